import { useSession } from "../auth/session.tsx";

/** While the session is being checked, or when the server cannot be reached to check it. */
export function SessionPending() {
  const { status, retry } = useSession();
  if (status === "unreachable") {
    return (
      <main className="auth-screen">
        <div className="card auth-card problem" role="alert">
          <p>Could not reach the server to check your sign-in. Check your connection and try again.</p>
          <button type="button" className="button primary" onClick={retry}>
            Retry
          </button>
        </div>
      </main>
    );
  }
  return (
    <p className="placeholder page" role="status">
      Loading…
    </p>
  );
}
