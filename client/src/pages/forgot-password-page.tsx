import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { callAuth } from "../auth/auth-errors.ts";
import { useSession } from "../auth/session.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { FormProblem, TextField } from "../ui/text-field.tsx";
import { useAction } from "../ui/use-action.ts";
import { AuthScreen } from "../ui/auth-screen.tsx";

/**
 * "Forgot password?": asks the auth service to mail a reset link. The answer is the same whether or not
 * the address has an account (the service's is, and so is this screen's), so it tells no one who has one.
 */
export function ForgotPasswordPage() {
  useDocumentTitle("Forgot password");
  const { authClient } = useSession();
  const [email, setEmail] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const { pending, problem, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const redirectTo = `${window.location.origin}/reset-password`;
    const sent = await run(async () => (await callAuth(() => authClient.requestPasswordReset({ email, redirectTo }))).problem);
    if (sent) setSentTo(email);
  }

  return (
    <AuthScreen>
      <form className="card auth-card" onSubmit={submit} aria-labelledby="forgot-heading">
        <h1 id="forgot-heading">Forgot password</h1>
        {sentTo ? (
          <div className="notice" role="status">
            <p className="notice-message">Check your inbox.</p>
            <p>If an account exists for {sentTo}, we sent it a link to choose a new password. The link works once, for 30 minutes.</p>
          </div>
        ) : (
          <>
            <p>Enter the address you signed up with; we will mail you a link to choose a new password.</p>
            <TextField id="forgot-email" label="Email" type="email" autoComplete="username" value={email} onChange={setEmail} />
            <FormProblem message={problem} />
            <button type="submit" className="button primary wide" disabled={pending}>
              {pending ? "Sending…" : "Send the link"}
            </button>
          </>
        )}
        <p className="switch">
          <Link to="/sign-in">Back to sign in</Link>
        </p>
      </form>
    </AuthScreen>
  );
}
