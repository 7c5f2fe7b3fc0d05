// Passkeys on Account: add one (a name, and the password, confirmed first: the server asks for it, so a stolen
// session cookie cannot add the thief's key), see them, and remove one. A passkey signs in without the password and counts as
// two factors (server/src/auth/passkeys.ts); removing one signs the other devices out, which the person is told.
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { callAuth } from "../auth/auth-errors.ts";
import { useSession } from "../auth/session.tsx";
import { ConfirmDialog } from "../ui/confirm-dialog.tsx";
import { formatDay } from "../ui/local-dates.ts";
import { FormProblem, TextField } from "../ui/text-field.tsx";
import { useAction } from "../ui/use-action.ts";

interface Passkey {
  id: string;
  name?: string | null;
  createdAt?: string | Date | null;
}

export function Passkeys() {
  const { authClient } = useSession();
  const [passkeys, setPasskeys] = useState<Passkey[] | null>(null);
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Passkey | null>(null);
  const adding = useAction();
  const removal = useAction();
  const [listProblem, setListProblem] = useState<string | null>(null);

  const load = useCallback(async () => {
    const { data, problem } = await callAuth(() => authClient.passkey.listUserPasskeys());
    if (data) setPasskeys(data as Passkey[]);
    setListProblem(problem);
  }, [authClient]);

  useEffect(() => {
    void load();
  }, [load]);

  async function add(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    const added = await adding.run(async () => {
      // The password first, so a wrong one is refused before the authenticator makes a key for nothing.
      const confirmed = await callAuth(() => authClient.$fetch("/passkey/confirm-password", { method: "POST", body: { password } }));
      if (confirmed.problem) return confirmed.problem;
      return (await callAuth(() => authClient.passkey.addPasskey({ name: name.trim() || undefined }))).problem;
    });
    if (added) {
      setName("");
      setPassword("");
      setDone("Passkey added. You can sign in with it instead of your password.");
      await load();
    }
  }

  async function remove(passkey: Passkey) {
    setDone(null);
    const removed = await removal.run(async () => (await callAuth(() => authClient.passkey.deletePasskey({ id: passkey.id }))).problem);
    setRemoving(null);
    if (removed) {
      setDone("Passkey removed. Your other devices were signed out.");
      await load();
    }
  }

  return (
    <section className="card" aria-labelledby="passkeys-heading">
      <h2 id="passkeys-heading">Passkeys</h2>
      <p className="hint">
        A passkey signs you in with this device's screen lock or a security key instead of your password, and counts as two-step
        verification.
      </p>
      {passkeys && passkeys.length > 0 ? (
        <ul className="passkey-list" aria-label="Your passkeys">
          {passkeys.map((passkey) => (
            <li key={passkey.id}>
              <span>{passkey.name || "Passkey"}</span>{" "}
              {passkey.createdAt ? <span className="hint">added {formatDay(new Date(passkey.createdAt))}</span> : null}{" "}
              <button type="button" className="button secondary" onClick={() => setRemoving(passkey)}>
                Remove {passkey.name || "passkey"}
              </button>
            </li>
          ))}
        </ul>
      ) : passkeys ? (
        <p>No passkeys yet.</p>
      ) : null}
      <FormProblem message={listProblem ?? removal.problem} />
      <form onSubmit={add} aria-label="Add a passkey">
        <TextField
          id="passkey-name"
          label="Passkey name"
          type="text"
          autoComplete="off"
          value={name}
          onChange={setName}
          hint="For example: Work laptop"
        />
        <TextField
          id="passkey-password"
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
        />
        <FormProblem message={adding.problem} />
        <button type="submit" className="button primary" disabled={adding.pending}>
          {adding.pending ? "Adding…" : "Add a passkey"}
        </button>
      </form>
      {done ? <p role="status">{done}</p> : null}
      {removing ? (
        <ConfirmDialog
          title={`Remove ${removing.name || "this passkey"}?`}
          confirmLabel="Remove passkey"
          pendingLabel="Removing…"
          pending={removal.pending}
          onConfirm={() => void remove(removing)}
          onCancel={() => setRemoving(null)}
        >
          <p>It will no longer sign you in, and your other devices will be signed out.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
