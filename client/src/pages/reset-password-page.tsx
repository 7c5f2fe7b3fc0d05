import { Link, useNavigate, useSearchParams } from "react-router";
import { callAuth } from "../auth/auth-errors.ts";
import { useNewPasswordForm } from "../auth/use-new-password-form.ts";
import { useSession } from "../auth/session.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { FormProblem, TextField } from "../ui/text-field.tsx";
import { AuthScreen } from "../ui/auth-screen.tsx";

/**
 * Where the mailed reset link lands (the auth service checks the link, then sends the browser here with
 * `?token=`, or with `?error=INVALID_TOKEN` when it has expired or was used). The new password is checked
 * by the auth service's password policy; a reset ends every session of the account.
 */
export function ResetPasswordPage() {
  useDocumentTitle("Choose a new password");
  const { authClient } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get("token");
  const { password, setPassword, repeated, setRepeated, pending, problem, submit } = useNewPasswordForm(
    async (newPassword) => (await callAuth(() => authClient.resetPassword({ newPassword, token: token ?? "" }))).problem,
    () => navigate("/sign-in?reset=1", { replace: true }),
  );

  if (!token || params.get("error")) {
    return (
      <AuthScreen>
        <div className="card auth-card">
          <h1>Choose a new password</h1>
          <p className="problem" role="alert">
            This link has expired or was already used.
          </p>
          <p className="switch">
            <Link to="/forgot-password">Ask for a new link</Link>
          </p>
        </div>
      </AuthScreen>
    );
  }

  return (
    <AuthScreen>
      <form className="card auth-card" onSubmit={submit} aria-labelledby="reset-heading">
        <h1 id="reset-heading">Choose a new password</h1>
        <p>At least 10 characters, not a common password. Every device signed in to your account will be signed out.</p>
        <TextField
          id="reset-password"
          label="New password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
        />
        <TextField
          id="reset-password-again"
          label="New password again"
          type="password"
          autoComplete="new-password"
          value={repeated}
          onChange={setRepeated}
        />
        <FormProblem message={problem} />
        <button type="submit" className="button primary wide" disabled={pending}>
          {pending ? "Saving…" : "Set the new password"}
        </button>
      </form>
    </AuthScreen>
  );
}
