// The sign-in's second step, for an account with two-step verification on: the password was right, and the
// auth service made no session yet (server/src/auth/second-factor.ts). A code from the authenticator app, or
// one of the backup codes, makes the session; the session check then replaces this screen.
import { useState, type FormEvent } from "react";
import { useAction } from "../ui/use-action.ts";
import { FormProblem } from "../ui/text-field.tsx";
import { callAuth } from "./auth-errors.ts";
import { CodeField, CodeKindSwitch, codeHint } from "./code-entry.tsx";
import { useSession } from "./session.tsx";

export function SecondStepForm(props: { onBack: () => void }) {
  const { authClient } = useSession();
  const [code, setCode] = useState("");
  const [backup, setBackup] = useState(false);
  const { pending, problem, run } = useAction({ keepPendingAfterSuccess: true });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const typed = code.trim();
    await run(
      async () =>
        (
          await callAuth(() =>
            backup ? authClient.twoFactor.verifyBackupCode({ code: typed }) : authClient.twoFactor.verifyTotp({ code: typed }),
          )
        ).problem,
    );
  }

  return (
    <form className="card auth-card" onSubmit={submit} aria-labelledby="second-step-heading">
      <h1 id="second-step-heading">Two-step verification</h1>
      <p>{codeHint(backup)}</p>
      <CodeField id="second-step-code" backup={backup} code={code} onChange={setCode} />
      <FormProblem message={problem} />
      <button type="submit" className="button primary wide" disabled={pending}>
        {pending ? "Checking…" : "Verify"}
      </button>
      <p className="switch">
        <CodeKindSwitch backup={backup} onSwitch={setBackup} onClear={() => setCode("")} />
      </p>
      <p className="switch">
        <button type="button" className="button secondary" onClick={props.onBack}>
          Back to sign in
        </button>
      </p>
    </form>
  );
}
