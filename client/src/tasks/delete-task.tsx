import { useState } from "react";
import { useMutation } from "urql";
import { describeProblem, type Problem } from "../graphql/problems.ts";
import { ConfirmDialog } from "../ui/confirm-dialog.tsx";
import { ProblemMessage } from "../ui/problem-message.tsx";
import { DeleteTaskMutation } from "./operations.ts";

// deleteTask returns only an id, so tell urql's document cache which lists to refetch.
const INVALIDATES_TASK_LISTS = { additionalTypenames: ["Task"] };

/** "Delete" with a confirmation; calls onDeleted once the server has deleted the task. */
export function DeleteTaskButton({
  task,
  label = "Delete",
  onDeleted,
}: {
  task: { id: string; title: string };
  label?: string;
  onDeleted?: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [deleting, deleteTask] = useMutation(DeleteTaskMutation);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function confirm() {
    setProblem(null);
    const result = await deleteTask({ id: task.id }, INVALIDATES_TASK_LISTS);
    if (result.error) {
      setProblem(describeProblem(result.error));
      return;
    }
    setConfirming(false);
    onDeleted?.();
  }

  return (
    <>
      <button
        type="button"
        className="button secondary danger-text"
        aria-label={`Delete “${task.title}”`}
        onClick={() => setConfirming(true)}
      >
        {label}
      </button>
      {confirming ? (
        <ConfirmDialog
          title={`Delete “${task.title}”?`}
          confirmLabel="Delete task"
          pendingLabel="Deleting…"
          pending={deleting.fetching}
          onConfirm={() => void confirm()}
          onCancel={() => {
            setProblem(null);
            setConfirming(false);
          }}
        >
          <p>The task and its description are deleted for good.</p>
          {problem ? <ProblemMessage problem={problem} /> : null}
        </ConfirmDialog>
      ) : null}
    </>
  );
}
