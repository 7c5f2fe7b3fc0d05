import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { callAuth } from "../auth/auth-errors.ts";
import { useSession } from "../auth/session.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import type { CheckInboxState } from "./check-inbox-page.tsx";
import { verificationLanding } from "../routing/verification-landing.ts";
import { FormProblem, TextField } from "../ui/text-field.tsx";
import { useAction } from "../ui/use-action.ts";
import { AuthScreen } from "../ui/auth-screen.tsx";

export function SignUpPage() {
  useDocumentTitle("Create an account");
  const { authClient } = useSession();
  const [params] = useSearchParams();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { pending, problem, run } = useAction();
  const navigate = useNavigate();
  const next = params.get("next");

  async function submit(event: FormEvent) {
    event.preventDefault();
    // No session yet: the mailed link verifies the address and signs in. The answer is the same for an
    // address that already has an account (its owner gets a mail instead), so this screen says the same.
    const signedUp = await run(
      async () =>
        (await callAuth(() => authClient.signUp.email({ name: name.trim(), email, password, callbackURL: verificationLanding(next) })))
          .problem,
    );
    // In the history entry's state, not in component state: the session refetch after a sign-up briefly
    // unmounts this screen, and the address is not put in the URL.
    if (signedUp) navigate("/check-inbox", { state: { email, next } satisfies CheckInboxState });
  }

  return (
    <AuthScreen>
      <form className="card auth-card" onSubmit={submit} aria-labelledby="sign-up-heading">
        <h1 id="sign-up-heading">Create an account</h1>
        <TextField id="sign-up-name" label="Name" type="text" autoComplete="name" value={name} onChange={setName} />
        <TextField id="sign-up-email" label="Email" type="email" autoComplete="email" value={email} onChange={setEmail} />
        <TextField
          id="sign-up-password"
          label="Password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
          hint="At least 10 characters, and not a common password or your name."
        />
        <FormProblem message={problem} />
        <button type="submit" className="button primary wide" disabled={pending}>
          {pending ? "Creating your account…" : "Create account"}
        </button>
        <p className="switch">
          Have an account? <Link to={next ? `/sign-in?next=${encodeURIComponent(next)}` : "/sign-in"}>Sign in</Link>
        </p>
      </form>
    </AuthScreen>
  );
}
