import { Link, useNavigate, useSearchParams } from "react-router";
import { callAuth } from "../auth/auth-errors.ts";
import { useNewPasswordForm } from "../auth/use-new-password-form.ts";
import { useSession } from "../auth/session.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { FormProblem, TextField } from "../ui/text-field.tsx";
import { AuthScreen } from "../ui/auth-screen.tsx";

/**
 * Where the link in "Your Tasks email is being changed" lands (mailed to the old address, `?token=`). Undoing
 * is a button, not the link itself, so a mail scanner that opens links changes nothing. It puts the account
 * back on the old address with a new password (whoever asked knew the current one) and signs out every device.
 */
export function UndoEmailChangePage() {
  useDocumentTitle("Undo the email change");
  const { authClient } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get("token");
  const { password, setPassword, repeated, setRepeated, pending, problem, submit } = useNewPasswordForm(
    async (newPassword) =>
      (await callAuth(() => authClient.$fetch("/undo-email-change", { method: "POST", body: { token, newPassword } }))).problem,
    () => navigate("/sign-in?restored=1", { replace: true }),
  );

  if (!token) {
    return (
      <AuthScreen>
        <div className="card auth-card">
          <h1>Undo the email change</h1>
          <p className="problem" role="alert">
            This link is incomplete. Open the link from the mail again.
          </p>
          <p className="switch">
            <Link to="/sign-in">Sign in</Link>
          </p>
        </div>
      </AuthScreen>
    );
  }

  return (
    <AuthScreen>
      <form className="card auth-card" onSubmit={submit} aria-labelledby="undo-heading">
        <h1 id="undo-heading">Undo the email change</h1>
        <p>
          Your account goes back to the address this mail came to. Whoever asked for the change knew your password, so choose a new one (at
          least 10 characters, not a common password). Every device signed in to your account will be signed out.
        </p>
        <TextField
          id="undo-password"
          label="New password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
        />
        <TextField
          id="undo-password-again"
          label="New password again"
          type="password"
          autoComplete="new-password"
          value={repeated}
          onChange={setRepeated}
        />
        <FormProblem message={problem} />
        <button type="submit" className="button primary wide" disabled={pending}>
          {pending ? "Undoing…" : "Restore my address"}
        </button>
      </form>
    </AuthScreen>
  );
}
