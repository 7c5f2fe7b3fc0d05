import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { attempt } from "../auth/auth-errors.ts";
import { useSession } from "../auth/session.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import type { CheckInboxState } from "./check-inbox-page.tsx";
import { verificationLanding } from "./verification-landing.ts";

export function SignUpPage() {
  useDocumentTitle("Create an account");
  const { authClient } = useSession();
  const [params] = useSearchParams();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const navigate = useNavigate();
  const next = params.get("next");

  async function submit(event: FormEvent) {
    event.preventDefault();
    setPending(true);
    setError(null);
    // No session yet: the mailed link verifies the address and signs in. The answer is the same for an
    // address that already has an account (its owner gets a mail instead), so this screen says the same.
    const failure = await attempt(() =>
      authClient.signUp.email({ name: name.trim(), email, password, callbackURL: verificationLanding(next) }),
    );
    setPending(false);
    // In the history entry's state, not in component state: the session refetch after a sign-up briefly
    // unmounts this screen, and the address is not put in the URL.
    if (failure) setError(failure);
    else navigate("/check-inbox", { state: { email, next } satisfies CheckInboxState });
  }

  return (
    <main className="auth-screen">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="sign-up-heading">
        <h1 id="sign-up-heading">Create an account</h1>
        <div className="field">
          <label htmlFor="sign-up-name">Name</label>
          <input
            id="sign-up-name"
            type="text"
            autoComplete="name"
            required
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="sign-up-email">Email</label>
          <input
            id="sign-up-email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="sign-up-password">Password</label>
          <input
            id="sign-up-password"
            type="password"
            autoComplete="new-password"
            required
            aria-describedby="sign-up-password-hint"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
          <p id="sign-up-password-hint" className="hint">
            At least 10 characters, and not a common password or your name.
          </p>
        </div>
        {error ? (
          <p className="problem" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button primary wide" disabled={pending}>
          {pending ? "Creating your account…" : "Create account"}
        </button>
        <p className="switch">
          Have an account? <Link to={next ? `/sign-in?next=${encodeURIComponent(next)}` : "/sign-in"}>Sign in</Link>
        </p>
      </form>
    </main>
  );
}
