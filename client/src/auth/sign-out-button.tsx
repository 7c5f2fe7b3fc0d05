import { useState } from "react";
import { useSession, useSignedInUser } from "./session.tsx";
import { hasDrafts } from "../drafts/drafts.ts";
import { ConfirmDialog } from "../ui/confirm-dialog.tsx";
import { useAction } from "../ui/use-action.ts";

/** Signs out; asks first when a form holds text that was never saved, since signing out discards it. */
export function SignOutButton() {
  const { signOut } = useSession();
  const user = useSignedInUser();
  const [confirming, setConfirming] = useState(false);
  // This button goes away with the session: it stays disabled until then.
  const { pending, problem, run } = useAction({ keepPendingAfterSuccess: true });

  const leave = () =>
    run(async () => {
      try {
        await signOut();
        return null;
      } catch {
        setConfirming(false);
        return "Could not sign out. Check your connection and try again.";
      }
    });

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
      {problem ? (
        <p className="problem small" role="alert">
          {problem}
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
