import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { useMutation } from "urql";
import type { TaskFieldsFragment } from "../gql/graphql.ts";
import { useDraft } from "../drafts/use-draft.ts";
import { describeProblem, type Problem } from "../graphql/problems.ts";
import { ProblemMessage } from "../ui/problem-message.tsx";
import { DeleteTaskButton } from "./delete-task.tsx";
import { dateInputToIso, isoToDateInput } from "./due-date.ts";
import { UpdateTaskMutation } from "./operations.ts";
import { TaskFormFields, type TaskFormValues } from "./task-form-fields.tsx";

interface EditValues extends TaskFormValues {
  completed: boolean;
}

const differ = (a: EditValues, b: EditValues) => (Object.keys(b) as (keyof EditValues)[]).some((key) => a[key] !== b[key]);

/**
 * The edit screen's form. The task may change elsewhere while it is open (TaskPage refetches it): untouched,
 * the form shows the new values; with changes typed here, it keeps them and says so. Deleted elsewhere, it
 * says that and cannot save; what was typed stays on screen to be copied.
 */
export function EditTaskForm({ task, deletedElsewhere = false }: { task: TaskFieldsFragment; deletedElsewhere?: boolean }) {
  const navigate = useNavigate();
  const initial = useMemo<EditValues>(
    () => ({ title: task.title, description: task.description, due: isoToDateInput(task.dueAt), completed: task.completed }),
    [task.title, task.description, task.dueAt, task.completed],
  );
  const draft = useDraft(`task:${task.id}`, initial);
  const [saving, updateTask] = useMutation(UpdateTaskMutation);
  const [problem, setProblem] = useState<Problem | null>(null);
  const titleInput = useRef<HTMLInputElement>(null);
  const changed = differ(draft.values, initial);

  const [changedElsewhere, setChangedElsewhere] = useState(false);
  const seen = useRef(initial);
  const values = useRef(draft.values);
  values.current = draft.values;
  const { reset } = draft;
  useEffect(() => {
    const before = seen.current;
    if (before === initial) return;
    seen.current = initial;
    if (differ(values.current, before)) setChangedElsewhere(true);
    else reset(initial);
  }, [initial, reset]);

  async function submit(event?: FormEvent) {
    event?.preventDefault();
    setProblem(null);
    const { title, description, due, completed } = draft.values;
    const result = await updateTask({ id: task.id, input: { title, description, dueAt: dateInputToIso(due), completed } });
    if (result.error || !result.data) {
      const found = result.error ? describeProblem(result.error) : null;
      setProblem(found);
      if (found?.kind === "input") titleInput.current?.focus();
      return;
    }
    draft.reset();
    navigate("/", { state: { flash: `Saved “${result.data.updateTask.title}”.` } });
  }

  const titleError = problem?.kind === "input" && (problem.field ?? "title") === "title" ? problem.message : null;
  return (
    <form className="card edit-task" onSubmit={submit} noValidate aria-labelledby="edit-heading">
      <h1 id="edit-heading">Edit task</h1>
      {deletedElsewhere ? (
        <div className="problem" role="alert">
          <p>
            <strong>This task was deleted on another device or tab.</strong>
          </p>
          <p>It can no longer be saved. Copy anything you need from the form, then go back to your tasks.</p>
        </div>
      ) : changedElsewhere && changed ? (
        <div className="note" role="status">
          <p>This task was changed on another device or tab. Your changes are kept here; saving them replaces that version.</p>
          <button type="button" className="button secondary small" onClick={() => draft.reset()}>
            Show the new version
          </button>
        </div>
      ) : draft.restored && changed ? (
        <div className="note">
          <p>Your unsaved changes to this task are back.</p>
          <button type="button" className="button secondary small" onClick={() => draft.reset()}>
            Discard changes
          </button>
        </div>
      ) : null}
      <TaskFormFields
        idPrefix="edit-task"
        values={draft.values}
        onChange={draft.update}
        titleError={titleError}
        titleRef={titleInput}
        descriptionRows={5}
      />
      <div className="field checkbox-field">
        <input
          id="edit-task-completed"
          type="checkbox"
          checked={draft.values.completed}
          onChange={(event) => draft.update({ completed: event.target.checked })}
        />
        <label htmlFor="edit-task-completed">Completed</label>
      </div>
      {problem && !titleError ? <ProblemMessage problem={problem} onRetry={() => void submit()} retrying={saving.fetching} /> : null}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={saving.fetching || !changed || deletedElsewhere}>
          {saving.fetching ? "Saving…" : "Save changes"}
        </button>
        <Link
          className="button secondary"
          to="/"
          onClick={() => draft.reset()}
          aria-label={changed && !deletedElsewhere ? "Cancel and discard changes" : "Back to your tasks"}
        >
          {changed && !deletedElsewhere ? "Cancel" : "Back"}
        </Link>
        <span className="spacer" />
        {deletedElsewhere ? null : (
          <DeleteTaskButton
            task={task}
            label="Delete task"
            onDeleted={() => {
              draft.reset();
              navigate("/", { state: { flash: `Deleted “${task.title}”.` } });
            }}
          />
        )}
      </div>
      <p className="meta">
        Created {new Date(task.createdAt).toLocaleString()} · Last changed {new Date(task.updatedAt).toLocaleString()}
      </p>
    </form>
  );
}
