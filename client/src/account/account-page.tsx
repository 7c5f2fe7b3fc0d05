// Account: the signed-in user's own changes, each through Better Auth's client. A new password passes the
// service's policy; a new email asks for the password and takes effect when its owner opens the link mailed
// to it (the old address is told and can undo it); two-step verification has its own card
// (two-step-verification.tsx); deleting asks for the password and takes the tasks with it.
import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { type AuthFailure, callAuth } from "../auth/auth-errors.ts";
import { useSession } from "../auth/session.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { FormProblem, TextField } from "../ui/text-field.tsx";
import { useAction } from "../ui/use-action.ts";
import { Passkeys } from "./passkeys.tsx";
import { TwoStepVerification } from "./two-step-verification.tsx";

export function AccountPage() {
  useDocumentTitle("Account");
  // The layout's <main> holds this screen; its heading opens the first card, as on the other screens.
  return (
    <>
      <section className="card" aria-labelledby="account-heading">
        <h1 id="account-heading">Account</h1>
        <p className="hint">Change your password or your email address, set up two-step verification, or delete your account.</p>
      </section>
      <ChangePassword />
      <ChangeEmail />
      <TwoStepVerification />
      <Passkeys />
      <DeleteAccount />
    </>
  );
}

/** A change made through Better Auth's client: its refusal, or what it did (`success`). */
function useAccountChange() {
  const action = useAction();
  const [done, setDone] = useState<string | null>(null);
  const run = async (call: () => Promise<{ data?: unknown; error: AuthFailure | null }>, success: string) => {
    setDone(null);
    const worked = await action.run(async () => (await callAuth(call)).problem);
    if (worked) setDone(success);
    return worked;
  };
  const messages = (
    <>
      <FormProblem message={action.problem} />
      {done ? <p role="status">{done}</p> : null}
    </>
  );
  return { pending: action.pending, run, messages };
}

function ChangePassword() {
  const { changePassword } = useSession();
  const [currentPassword, setCurrent] = useState("");
  const [newPassword, setNew] = useState("");
  const [revokeOtherSessions, setRevoke] = useState(true);
  const { pending, run, messages } = useAccountChange();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const changed = await run(
      // Through the session: signing out the other devices replaces this one's session too, and the app carries on in the new one.
      () => changePassword({ currentPassword, newPassword, revokeOtherSessions }),
      revokeOtherSessions ? "Password changed. Your other devices were signed out." : "Password changed.",
    );
    if (changed) {
      setCurrent("");
      setNew("");
    }
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="change-password-heading">
      <h2 id="change-password-heading">Change password</h2>
      <TextField
        id="current-password"
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={currentPassword}
        onChange={setCurrent}
      />
      <TextField id="new-password" label="New password" type="password" autoComplete="new-password" value={newPassword} onChange={setNew} />
      <label className="check">
        <input type="checkbox" checked={revokeOtherSessions} onChange={(event) => setRevoke(event.target.checked)} /> Sign out my other
        devices
      </label>
      {messages}
      <button type="submit" className="button primary" disabled={pending}>
        {pending ? "Saving…" : "Change password"}
      </button>
    </form>
  );
}

/** What the confirmation link's landing says when it changed nothing (its `?error=`). */
const CONFIRMATION_PROBLEMS: Record<string, string> = {
  EMAIL_CHANGE_LINK_INVALID: "That link no longer changes your email: it was used, replaced by a newer request, or undone.",
  INVALID_TOKEN: "That link no longer changes your email: it has expired or was already used.",
  TOKEN_EXPIRED: "That link has expired. Ask for the change again.",
};

function ChangeEmail() {
  const { authClient, user } = useSession();
  const [params] = useSearchParams();
  const [newEmail, setNewEmail] = useState("");
  const [password, setPassword] = useState("");
  const { pending, run, messages } = useAccountChange();
  const linkProblem = CONFIRMATION_PROBLEMS[params.get("error") ?? ""];

  async function submit(event: FormEvent) {
    event.preventDefault();
    const callbackURL = `${window.location.origin}/account`;
    // The password: a stolen session alone must not move the account to someone else's address.
    const asked = await run(
      () => authClient.$fetch("/change-email", { method: "POST", body: { newEmail, callbackURL, password } }),
      `Check the inbox of ${newEmail}: the change takes effect when you open the link we sent there. We told ${user?.email} too.`,
    );
    if (asked) setPassword("");
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="change-email-heading">
      <h2 id="change-email-heading">Change email</h2>
      <p>Now: {user?.email}</p>
      {linkProblem ? (
        <p className="problem" role="alert">
          {linkProblem}
        </p>
      ) : null}
      <TextField id="new-email" label="New email" type="email" autoComplete="email" value={newEmail} onChange={setNewEmail} />
      <TextField
        id="change-email-password"
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={setPassword}
        hint="Your other devices are signed out when the new address confirms."
      />
      {messages}
      <button type="submit" className="button primary" disabled={pending}>
        {pending ? "Sending…" : "Send the link to the new address"}
      </button>
    </form>
  );
}

function DeleteAccount() {
  const { authClient } = useSession();
  const [password, setPassword] = useState("");
  const [understood, setUnderstood] = useState(false);
  const { pending, run, messages } = useAccountChange();

  async function submit(event: FormEvent) {
    event.preventDefault();
    // On success the session is gone: the app lands on sign-in by itself.
    await run(() => authClient.deleteUser({ password }), "Account deleted.");
  }

  return (
    <form className="card danger-zone" onSubmit={submit} aria-labelledby="delete-account-heading">
      <h2 id="delete-account-heading">Delete my account</h2>
      <p>Deletes your account and every one of your tasks, and signs you out everywhere. This cannot be undone.</p>
      <TextField
        id="delete-password"
        label="Password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={setPassword}
      />
      <label className="check">
        <input type="checkbox" checked={understood} onChange={(event) => setUnderstood(event.target.checked)} /> I understand my tasks will
        be deleted
      </label>
      {messages}
      <button type="submit" className="button danger" disabled={pending || !understood}>
        {pending ? "Deleting…" : "Delete my account"}
      </button>
    </form>
  );
}
