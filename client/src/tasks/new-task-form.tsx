import { useRef, useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { useDraft } from "../drafts/use-draft.ts";
import { describeProblem, type Problem } from "../graphql/problems.ts";
import { ProblemMessage } from "../ui/problem-message.tsx";
import { dateInputToIso } from "./due-date.ts";
import { CreateTaskMutation } from "./operations.ts";
import { TaskFormFields, type TaskFormValues } from "./task-form-fields.tsx";

const EMPTY: TaskFormValues = { title: "", description: "", due: "" };

export function NewTaskForm() {
  const draft = useDraft("new-task", EMPTY);
  const [creating, createTask] = useMutation(CreateTaskMutation);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const titleInput = useRef<HTMLInputElement>(null);

  async function submit(event?: FormEvent) {
    event?.preventDefault();
    setProblem(null);
    setAnnouncement("");
    const { title, description, due } = draft.values;
    const result = await createTask({ input: { title, description, dueAt: dateInputToIso(due) } });
    if (result.error || !result.data) {
      const found = result.error ? describeProblem(result.error) : null;
      setProblem(found);
      if (found?.kind === "input") titleInput.current?.focus();
      return;
    }
    draft.reset();
    setAnnouncement(`Added “${result.data.createTask.title}”.`);
    titleInput.current?.focus();
  }

  const titleError = problem?.kind === "input" && (problem.field ?? "title") === "title" ? problem.message : null;
  return (
    <form className="card new-task" onSubmit={submit} noValidate aria-labelledby="new-task-heading">
      <h2 id="new-task-heading">New task</h2>
      {draft.restored ? <p className="note">Your unsaved task is back, just as you left it.</p> : null}
      <TaskFormFields idPrefix="new-task" values={draft.values} onChange={draft.update} titleError={titleError} titleRef={titleInput} />
      {problem && !titleError ? <ProblemMessage problem={problem} onRetry={() => void submit()} retrying={creating.fetching} /> : null}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={creating.fetching}>
          {creating.fetching ? "Adding…" : "Add task"}
        </button>
        <p className="visually-hidden" role="status">
          {announcement}
        </p>
      </div>
    </form>
  );
}
