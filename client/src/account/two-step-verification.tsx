// Two-step verification on the Account screen (server/src/auth/second-factor.ts): turning it on, new backup
// codes, turning it off, each through Better Auth's client and each asking for the password.
//  - On: the password answers a new secret (a QR code and the same key as text) and ten backup codes; it is on
//    only once a code from the app proves the app has the secret. That code's answer replaces this tab's session
//    (Better Auth makes a new one and deletes this one), so it goes through the session's replaceSession.
//  - New backup codes: the old ones stop working, and the auth service signs the other devices out.
//  - Off: the password and a current code or a backup code (the auth service asks for both: a stolen session
//    and password alone must not remove the second factor); it replaces this session and ends the others.
// Whether it is on is the session's user's `twoFactorEnabled`, refetched after each change.
import { useRef, useState, type FormEvent, type ReactNode } from "react";
import { callAuth } from "../auth/auth-errors.ts";
import { useSession, useSignedInUser } from "../auth/session.tsx";
import { FormProblem, TextField } from "../ui/text-field.tsx";
import { useAction } from "../ui/use-action.ts";
import { useFocusOnMount } from "../ui/use-focus-on-mount.ts";
import { BackupCodes } from "./backup-codes.tsx";
import { QrCode } from "./qr-code.tsx";
import { groupedForReading, secretFromTotpUri } from "./totp-secret.ts";

/** Where the card is: at rest, between the password and the app's first code, or showing new backup codes once. */
type Stage =
  | { kind: "rest" }
  | { kind: "scan"; totpURI: string; secret: string; backupCodes: string[] }
  | { kind: "codes"; codes: string[] };

export function TwoStepVerification() {
  const user = useSignedInUser();
  const [stage, setStage] = useState<Stage>({ kind: "rest" });
  const [done, setDone] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // Back at rest, the button pressed is gone: focus goes to the card's heading, with its message just under it.
  const rest = () => {
    setStage({ kind: "rest" });
    heading.current?.focus();
  };
  const finish = (next: Stage, message: string) => {
    setDone(message);
    if (next.kind === "rest") rest();
    else setStage(next);
  };

  let body: ReactNode;
  if (stage.kind === "scan")
    body = (
      <ScanAndConfirm
        stage={stage}
        onConfirmed={() =>
          finish(
            { kind: "codes", codes: stage.backupCodes },
            "Two-step verification is on. Signing in now asks for a code from your app after your password.",
          )
        }
        onCancel={rest}
      />
    );
  else if (stage.kind === "codes") body = <BackupCodes codes={stage.codes} email={user.email} onDone={rest} />;
  else if (user.twoFactorEnabled)
    body = (
      <>
        <p>On: signing in asks for a code from your authenticator app after your password.</p>
        <NewBackupCodes
          onMade={(codes) =>
            finish({ kind: "codes", codes }, "New backup codes made. Your old ones no longer work, and your other devices were signed out.")
          }
        />
        <TurnOff onDone={() => finish({ kind: "rest" }, "Two-step verification is off. Your other devices were signed out.")} />
      </>
    );
  else
    body = (
      <TurnOn
        onStarted={(started) => {
          setDone(null);
          setStage({ kind: "scan", ...started });
        }}
      />
    );

  return (
    <section className="card two-step" aria-labelledby="two-step-heading">
      <h2 id="two-step-heading" ref={heading} tabIndex={-1}>
        Two-step verification
      </h2>
      {done ? <p role="status">{done}</p> : null}
      {body}
    </section>
  );
}

function TurnOn({ onStarted }: { onStarted: (started: { totpURI: string; secret: string; backupCodes: string[] }) => void }) {
  const { authClient } = useSession();
  const [password, setPassword] = useState("");
  const { pending, problem, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      const { data, problem } = await callAuth(() => authClient.twoFactor.enable({ password }));
      if (problem) return problem;
      const secret = data?.method === "totp" ? secretFromTotpUri(data.totpURI) : null;
      if (data?.method !== "totp" || !secret) return "The sign-in service did not answer a key for the app. Try again in a moment.";
      onStarted({ totpURI: data.totpURI, secret, backupCodes: data.backupCodes });
      return null;
    });
  }

  return (
    <form onSubmit={submit} aria-label="Turn on two-step verification">
      <p>Off. With it on, signing in asks for a code from an authenticator app on your phone as well as your password.</p>
      <TextField
        id="two-step-password"
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={setPassword}
      />
      <FormProblem message={problem} />
      <button type="submit" className="button primary" disabled={pending}>
        {pending ? "Starting…" : "Turn on two-step verification"}
      </button>
    </form>
  );
}

function ScanAndConfirm(props: { stage: { totpURI: string; secret: string }; onConfirmed: () => void; onCancel: () => void }) {
  const { authClient, replaceSession } = useSession();
  const [code, setCode] = useState("");
  const { pending, problem, run } = useAction();
  const heading = useFocusOnMount<HTMLHeadingElement>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const typed = code.replace(/\s/g, "");
    // The first right code turns it on and replaces this session: the app carries on in the new one.
    const confirmed = await run(
      async () => (await callAuth(() => replaceSession(() => authClient.twoFactor.verifyTotp({ code: typed })))).problem,
    );
    if (confirmed) props.onConfirmed();
  }

  return (
    <form onSubmit={submit} aria-labelledby="scan-heading">
      <h3 id="scan-heading" ref={heading} tabIndex={-1}>
        Set up your authenticator app
      </h3>
      <p>Scan this QR code with an authenticator app on your phone (any app for one-time codes works).</p>
      <QrCode value={props.stage.totpURI} label="QR code for your authenticator app" />
      <p>
        Or type this key into the app: <code className="totp-secret">{groupedForReading(props.stage.secret)}</code>
      </p>
      <TextField
        id="two-step-code"
        label="Code from the app"
        type="text"
        autoComplete="one-time-code"
        value={code}
        onChange={setCode}
        hint="Two-step verification is on only once a code from the app is right."
      />
      <FormProblem message={problem} />
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={pending}>
          {pending ? "Checking…" : "Turn on"}
        </button>
        <button type="button" className="button secondary" onClick={props.onCancel} disabled={pending}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function NewBackupCodes({ onMade }: { onMade: (codes: string[]) => void }) {
  const { authClient } = useSession();
  const [password, setPassword] = useState("");
  const { pending, problem, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    let codes: string[] = [];
    const made = await run(async () => {
      const { data, problem } = await callAuth(() => authClient.twoFactor.generateBackupCodes({ password }));
      codes = data?.backupCodes ?? [];
      return problem;
    });
    if (made) onMade(codes);
  }

  return (
    <form className="two-step-part" onSubmit={submit} aria-labelledby="new-backup-codes-heading">
      <h3 id="new-backup-codes-heading">New backup codes</h3>
      <p>Makes ten new backup codes. Your old ones stop working, and your other devices are signed out.</p>
      <TextField
        id="new-backup-codes-password"
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={setPassword}
      />
      <FormProblem message={problem} />
      <button type="submit" className="button secondary" disabled={pending}>
        {pending ? "Making…" : "Make new backup codes"}
      </button>
    </form>
  );
}

function TurnOff({ onDone }: { onDone: () => void }) {
  const { authClient, replaceSession } = useSession();
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const { pending, problem, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    // `code` is this project's addition to Better Auth's body (second-factor.ts), which its client does not type: $fetch.
    const body = { password, code: code.trim() };
    const off = await run(
      async () =>
        (
          await callAuth(() =>
            replaceSession(() => authClient.$fetch<{ status: boolean }>("/two-factor/disable", { method: "POST", body })),
          )
        ).problem,
    );
    if (off) onDone();
  }

  return (
    <form className="two-step-part" onSubmit={submit} aria-labelledby="turn-off-heading">
      <h3 id="turn-off-heading">Turn off two-step verification</h3>
      <p>Signing in then asks only for your password. Your other devices are signed out.</p>
      <TextField
        id="turn-off-password"
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={setPassword}
      />
      <TextField
        id="turn-off-code"
        label="Code from your app, or a backup code"
        type="text"
        autoComplete="one-time-code"
        value={code}
        onChange={setCode}
      />
      <FormProblem message={problem} />
      <button type="submit" className="button danger" disabled={pending}>
        {pending ? "Turning off…" : "Turn off two-step verification"}
      </button>
    </form>
  );
}
