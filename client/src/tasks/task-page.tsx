import { Link, useParams } from "react-router";
import { useQuery } from "urql";
import { describeProblem } from "../graphql/problems.ts";
import { ProblemMessage } from "../ui/problem-message.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { EditTaskForm } from "./edit-task-form.tsx";
import { TaskQuery } from "./operations.ts";

/** /tasks/:taskId. Someone else's task and a missing one look the same: "Task not found". */
export function TaskPage() {
  const { taskId = "" } = useParams();
  const [{ data, fetching, error }, reexecute] = useQuery({ query: TaskQuery, variables: { id: taskId }, requestPolicy: "cache-and-network" });
  const task = data?.task;
  useDocumentTitle(task ? `Edit “${task.title}”` : data ? "Task not found" : "Task");

  if (!data) {
    if (error) {
      return (
        <div className="card">
          <h1>Edit task</h1>
          <ProblemMessage problem={describeProblem(error)} onRetry={() => reexecute({ requestPolicy: "network-only" })} retrying={fetching} />
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
