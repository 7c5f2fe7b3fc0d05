import { useState } from "react";
import { Link } from "react-router";
import { useMutation } from "urql";
import type { TaskFieldsFragment } from "../gql/graphql.ts";
import { describeProblem, type Problem } from "../graphql/problems.ts";
import { ProblemMessage } from "../ui/problem-message.tsx";
import { DeleteTaskButton } from "./delete-task.tsx";
import { describeDue } from "./due-date.ts";
import { UpdateTaskMutation } from "./operations.ts";

export function TaskItem({ task }: { task: TaskFieldsFragment }) {
  const [updating, updateTask] = useMutation(UpdateTaskMutation);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function toggle() {
    setProblem(null);
    const result = await updateTask({ id: task.id, input: { completed: !task.completed } });
    if (result.error) setProblem(describeProblem(result.error));
  }

  const due = task.dueAt ? describeDue(task.dueAt, task.completed) : null;
  return (
    <li className={task.completed ? "task completed" : "task"}>
      <input
        type="checkbox"
        className="task-done"
        checked={task.completed}
        disabled={updating.fetching}
        onChange={() => void toggle()}
        aria-label={`Done: ${task.title}`}
      />
      <div className="task-body">
        <p className="task-title">{task.title}</p>
        {task.description ? <p className="task-description">{task.description}</p> : null}
        {due ? <p className={due.overdue ? "task-due overdue" : "task-due"}>{due.label}</p> : null}
      </div>
      <div className="task-actions">
        <Link className="button secondary" to={`/tasks/${encodeURIComponent(task.id)}`} aria-label={`Edit “${task.title}”`}>
          Edit
        </Link>
        <DeleteTaskButton task={task} />
      </div>
      {problem ? (
        <div className="task-problem">
          <ProblemMessage problem={problem} onRetry={() => void toggle()} retrying={updating.fetching} />
        </div>
      ) : null}
    </li>
  );
}
