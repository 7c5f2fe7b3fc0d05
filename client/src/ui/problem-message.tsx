import type { Problem } from "../graphql/problems.ts";

/** An error that says what to do, with a Retry button when trying again can help. */
export function ProblemMessage({ problem, onRetry, retrying = false }: { problem: Problem; onRetry?: () => void; retrying?: boolean }) {
  return (
    <div className="problem" role="alert">
      <p>{problem.message}</p>
      {problem.retryable && onRetry ? (
        <button type="button" className="button secondary small" onClick={onRetry} disabled={retrying}>
          {retrying ? "Retrying…" : "Retry"}
        </button>
      ) : null}
    </div>
  );
}
