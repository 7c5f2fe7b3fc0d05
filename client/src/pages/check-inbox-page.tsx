import { Link, Navigate, useLocation } from "react-router";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { ResendVerification } from "../auth/resend-verification.tsx";
import { AuthScreen } from "../ui/auth-screen.tsx";

/** What the sign-up screen hands this one, in the history entry's state. */
export interface CheckInboxState {
  email: string;
  next: string | null;
}

/** After a sign-up: the account has no session until the mailed link is opened. */
export function CheckInboxPage() {
  useDocumentTitle("Check your inbox");
  const state = useLocation().state as CheckInboxState | null;
  if (!state?.email) return <Navigate to="/sign-up" replace />;
  const { email, next } = state;
  return (
    <AuthScreen>
      <div className="card auth-card">
        <h1>Check your inbox</h1>
        <p>
          We sent a link to <strong>{email}</strong>. Open it to verify your address; in this browser it also signs you in. The link works
          for 24 hours.
        </p>
        <ResendVerification email={email} next={next} />
        <p className="switch">
          <Link to={next ? `/sign-in?next=${encodeURIComponent(next)}` : "/sign-in"}>Back to sign in</Link>
        </p>
      </div>
    </AuthScreen>
  );
}
