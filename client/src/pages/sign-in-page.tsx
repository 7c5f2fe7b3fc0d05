import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { callAuth } from "../auth/auth-errors.ts";
import { useSession } from "../auth/session.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { ResendVerification } from "../auth/resend-verification.tsx";
import { VerificationLinkNotice, verificationLinkFailed } from "../auth/verification-link-notice.tsx";
import { FormProblem, TextField } from "../ui/text-field.tsx";
import { useAction } from "../ui/use-action.ts";
import { AuthScreen } from "../ui/auth-screen.tsx";
import { SecondStepForm } from "../auth/second-step-form.tsx";

export function SignInPage() {
  useDocumentTitle("Sign in");
  const { authClient, notice } = useSession();
  const [params] = useSearchParams();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [unverified, setUnverified] = useState<string | null>(null);
  // The password was right and the account asks for a code too (two-step verification).
  const [secondStep, setSecondStep] = useState(false);
  // On success the session updates and this screen is replaced; keep the button disabled until then.
  const { pending, problem, run, reset } = useAction({ keepPendingAfterSuccess: true });

  // No email asked: the passkey holds the account, and the authenticator verifies its holder (both factors).
  async function signInWithPasskey() {
    setUnverified(null);
    await run(async () => (await callAuth(() => authClient.signIn.passkey())).problem);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setUnverified(null);
    await run(async () => {
      const { data, failure, problem } = await callAuth(() => authClient.signIn.email({ email, password }));
      if (failure?.code === "EMAIL_NOT_VERIFIED") setUnverified(email);
      if ((data as { twoFactorRedirect?: boolean } | null)?.twoFactorRedirect) setSecondStep(true);
      return problem;
    });
  }

  const next = params.get("next");
  if (secondStep)
    return (
      <AuthScreen>
        <SecondStepForm
          onBack={() => {
            setSecondStep(false);
            setPassword("");
            reset();
          }}
        />
      </AuthScreen>
    );
  return (
    <AuthScreen>
      <form className="card auth-card" onSubmit={submit} aria-labelledby="sign-in-heading">
        <h1 id="sign-in-heading">Sign in</h1>
        {!notice ? <VerificationLinkNotice params={params} /> : null}
        {params.get("restored") && !notice ? (
          <div className="notice" role="status">
            <p className="notice-message">Your account is back on its old address.</p>
            <p>Sign in with your new password. Every device was signed out.</p>
          </div>
        ) : null}
        {params.get("reset") && !notice ? (
          <div className="notice" role="status">
            <p className="notice-message">Your password was changed.</p>
            <p>Sign in with the new one. Every other device was signed out.</p>
          </div>
        ) : null}
        {notice ? (
          <div className="notice">
            <p className="notice-message" role="alert">
              {notice.message}
            </p>
            <p>{notice.detail}</p>
          </div>
        ) : null}
        <TextField id="sign-in-email" label="Email" type="email" autoComplete="username" value={email} onChange={setEmail} />
        <TextField
          id="sign-in-password"
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
        />
        <FormProblem message={problem} />
        {unverified || verificationLinkFailed(params) ? <ResendVerification email={unverified ?? email} next={next} /> : null}
        <button type="submit" className="button primary wide" disabled={pending}>
          {pending ? "Signing in…" : "Sign in"}
        </button>
        <button type="button" className="button secondary wide" disabled={pending} onClick={() => void signInWithPasskey()}>
          Sign in with a passkey
        </button>
        <p className="switch">
          <Link to="/forgot-password">Forgot password?</Link>
        </p>
        <p className="switch">
          New here? <Link to={next ? `/sign-up?next=${encodeURIComponent(next)}` : "/sign-up"}>Create an account</Link>
        </p>
      </form>
    </AuthScreen>
  );
}
