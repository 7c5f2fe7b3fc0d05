import { useSession } from "./session.tsx";
import { AuthScreen } from "../ui/auth-screen.tsx";

/** While the session is being checked, or when the server cannot be reached to check it. */
export function SessionPending() {
  const { status, retry } = useSession();
  if (status === "unreachable") {
    return (
      <AuthScreen>
        <div className="card auth-card problem" role="alert">
          <p>Could not reach the server to check your sign-in. Check your connection and try again.</p>
          <button type="button" className="button primary" onClick={retry}>
            Retry
          </button>
        </div>
      </AuthScreen>
    );
  }
  return (
    <AuthScreen>
      <p className="placeholder" role="status">
        Loading…
      </p>
    </AuthScreen>
  );
}
