import { useState } from "react";
import { useSession, useSignedInUser } from "./session.tsx";
import { hasDrafts } from "../drafts/drafts.ts";
import { ConfirmDialog } from "../ui/confirm-dialog.tsx";

/** Signs out; asks first when a form holds text that was never saved, since signing out discards it. */
export function SignOutButton() {
  const { signOut } = useSession();
  const user = useSignedInUser();
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function leave() {
    setPending(true);
    setError(null);
    try {
      await signOut(); // This screen goes away with the session.
    } catch {
      setPending(false);
      setConfirming(false);
      setError("Could not sign out. Check your connection and try again.");
    }
  }

  return (
    <>
      <button
        type="button"
        className="button secondary small"
        disabled={pending}
        onClick={() => (hasDrafts(user.id) ? setConfirming(true) : void leave())}
      >
        {pending ? "Signing out…" : "Sign out"}
      </button>
      {error ? (
        <p className="problem small" role="alert">
          {error}
        </p>
      ) : null}
      {confirming ? (
        <ConfirmDialog
          title="Sign out and discard unsaved text?"
          confirmLabel="Sign out"
          pendingLabel="Signing out…"
          pending={pending}
          onConfirm={() => void leave()}
          onCancel={() => setConfirming(false)}
        >
          <p>A form holds text you have not saved. Signing out discards it.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
