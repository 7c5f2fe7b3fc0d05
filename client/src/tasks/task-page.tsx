import { useState } from "react";
import { Link, useParams } from "react-router";
import { useQuery } from "urql";
import type { TaskFieldsFragment } from "../gql/graphql.ts";
import { describeProblem } from "../graphql/problems.ts";
import { useLiveRefetch } from "../live/live-updates.tsx";
import { ProblemMessage } from "../ui/problem-message.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { EditTaskForm } from "./edit-task-form.tsx";
import { TaskQuery } from "./operations.ts";

/**
 * /tasks/:taskId. Someone else's task and a missing one look the same: "Task not found". A change to this task
 * elsewhere refetches it; one that is gone after it was shown here stays on screen, marked deleted.
 */
export function TaskPage() {
  const { taskId = "" } = useParams();
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: TaskQuery,
    variables: { id: taskId },
    requestPolicy: "cache-and-network",
  });
  useLiveRefetch(TaskQuery, { id: taskId }, { concerns: (event) => event.taskId === taskId });
  const [shown, setShown] = useState<TaskFieldsFragment | null>(null);
  const task = data?.task;
  if (task && task !== shown) setShown(task);
  const deleted = data !== undefined && !task && shown?.id === taskId;
  useDocumentTitle(task ? `Edit “${task.title}”` : deleted ? `Deleted “${shown.title}”` : data ? "Task not found" : "Task");

  if (deleted) return <EditTaskForm key={shown.id} task={shown} deletedElsewhere />;

  if (!data) {
    if (error) {
      return (
        <div className="card">
          <h1>Edit task</h1>
          <ProblemMessage
            problem={describeProblem(error)}
            onRetry={() => reexecute({ requestPolicy: "network-only" })}
            retrying={fetching}
          />
          <BackLink />
        </div>
      );
    }
    return (
      <p className="placeholder" role="status">
        Loading the task…
      </p>
    );
  }
  if (!task) {
    return (
      <div className="card">
        <h1>Task not found</h1>
        <p>There is no task at this address in your list. It may have been deleted, or the link is not yours.</p>
        <BackLink />
      </div>
    );
  }
  return <EditTaskForm key={task.id} task={task} />;
}

function BackLink() {
  return (
    <p>
      <Link to="/">Back to your tasks</Link>
    </p>
  );
}
