// The step-up dialog (auth/step-up.ts decides when it opens): a modal asking for the authenticator's code or a
// backup code, which Better Auth's verify-totp / verify-backup-code check against this session and record as its
// second factor, now; or, for an account with a passkey, "Use a passkey" (auth/passkey-step-up.ts: a passkey
// sign-in that replaces this session). The passkey choice is offered only when the account has one (the list is
// asked for as the dialog opens): the browser would otherwise offer nothing to choose. Whatever the person was
// doing stays on the screen behind it (a ban's typed reason included) and is retried once they verify. Someone
// with neither two-step verification nor a passkey cannot step up: they are told where to turn one on.
import { createContext, useContext, useEffect, useId, useRef, useState, useSyncExternalStore, type FormEvent } from "react";
import { Link } from "react-router";
import { FormProblem } from "../ui/text-field.tsx";
import { useAction } from "../ui/use-action.ts";
import { callAuth } from "./auth-errors.ts";
import { CodeField, CodeKindSwitch, codeHint } from "./code-entry.tsx";
import { useSession, useSignedInUser } from "./session.tsx";
import type { StepUp, StepUpChallenge } from "./step-up.ts";

const StepUpContext = createContext<StepUp | null>(null);

/** Makes the session's step-up available to screens (admin-requests.ts) and shows its dialog while one is asked for. */
export function StepUpHost({ stepUp, children }: { stepUp: StepUp; children: React.ReactNode }) {
  const challenge = useSyncExternalStore(stepUp.subscribe, stepUp.current);
  return (
    <StepUpContext.Provider value={stepUp}>
      {children}
      {challenge ? <StepUpDialog stepUp={stepUp} challenge={challenge} /> : null}
    </StepUpContext.Provider>
  );
}

export function useStepUp(): StepUp {
  const stepUp = useContext(StepUpContext);
  if (!stepUp) throw new Error("useStepUp must be used inside <StepUpHost>.");
  return stepUp;
}

function within(challenge: StepUpChallenge): string {
  const seconds = challenge.maxAgeSeconds;
  if (seconds === null) return "recently";
  if (seconds >= 120) return `in the last ${Math.round(seconds / 60)} minutes`;
  return `in the last ${seconds} seconds`;
}

/** Rendered only while a step-up is asked for; focus goes back where it was when it goes (as ConfirmDialog). */
function StepUpDialog({ stepUp, challenge }: { stepUp: StepUp; challenge: StepUpChallenge }) {
  const user = useSignedInUser();
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();
  const [code, setCode] = useState("");
  const [backup, setBackup] = useState(false);
  const { pending, problem, run } = useAction();
  const { authClient } = useSession();
  // Whether the account has a passkey: null while asked; a list that could not be had counts as none.
  const [hasPasskey, setHasPasskey] = useState<boolean | null>(null);

  useEffect(() => {
    let open = true;
    void callAuth(() => authClient.passkey.listUserPasskeys()).then(({ data }) => {
      if (open) setHasPasskey(Array.isArray(data) && data.length > 0);
    });
    return () => {
      open = false;
    };
  }, [authClient]);

  useEffect(() => {
    const element = dialog.current;
    const opener = document.activeElement;
    if (element && !element.open) element.showModal();
    return () => {
      element?.close();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    };
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(() => stepUp.submit(backup ? "backup-code" : "totp", code.trim()));
  }

  const passkeyButton = (
    <p>
      <button type="button" className="button secondary" disabled={pending} onClick={() => void run(() => stepUp.submitPasskey())}>
        Use a passkey
      </button>
    </p>
  );
  const cancelButton = (
    <button type="button" className="button secondary" onClick={() => stepUp.cancel()} disabled={pending}>
      Cancel
    </button>
  );

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(event) => {
        event.preventDefault();
        if (!pending) stepUp.cancel();
      }}
    >
      <h2 id={titleId}>Confirm it is you</h2>
      {user.twoFactorEnabled ? (
        <form onSubmit={submit}>
          <p id={bodyId}>
            Admin actions need a code from your second step, given {within(challenge)}. {codeHint(backup)}
          </p>
          <CodeField id="step-up-code" backup={backup} code={code} onChange={setCode} />
          <FormProblem message={problem} />
          <p>
            <CodeKindSwitch backup={backup} onSwitch={setBackup} onClear={() => setCode("")} />
          </p>
          {hasPasskey ? passkeyButton : null}
          <div className="dialog-actions">
            {cancelButton}
            <button type="submit" className="button primary" disabled={pending}>
              {pending ? "Checking…" : "Verify"}
            </button>
          </div>
        </form>
      ) : hasPasskey ? (
        <>
          <p id={bodyId}>Admin actions need your second step, given {within(challenge)}. Use your passkey to confirm it is you.</p>
          <FormProblem message={problem} />
          {passkeyButton}
          <div className="dialog-actions">{cancelButton}</div>
        </>
      ) : hasPasskey === null ? (
        <>
          <p id={bodyId}>Checking how you can confirm it is you…</p>
          <div className="dialog-actions">{cancelButton}</div>
        </>
      ) : (
        <>
          <p id={bodyId}>
            Admin actions need two-step verification or a passkey, and your account has neither. Turn one on from{" "}
            <Link to="/account" onClick={() => stepUp.cancel()}>
              Account
            </Link>
            , then try again.
          </p>
          <div className="dialog-actions">
            {/* biome-ignore lint/a11y/noAutofocus: the dialog's one safe choice (WAI-ARIA dialog pattern). */}
            <button type="button" className="button secondary" onClick={() => stepUp.cancel()} autoFocus>
              Close
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
