import { type ReactNode, useRef } from "react";
import { Navigate, useSearchParams } from "react-router";
import { useSession } from "./session.tsx";
import { safeNext } from "../routing/auth-redirect.ts";
import { SessionPending } from "./session-pending.tsx";

/** Sign-in and sign-up: someone already signed in goes on to where they were heading. */
export function PublicOnly({ children }: { children: ReactNode }) {
  const { status } = useSession();
  const [params] = useSearchParams();
  // Once shown, the screen stays through a session refetch (Better Auth refetches after a sign-up, a
  // sign-in attempt or a tab coming back): hiding it would flash a loading screen and drop what was typed.
  const shown = useRef(false);
  if (status === "signed-in") return <Navigate to={safeNext(params.get("next"))} replace />;
  if (status === "loading" && !shown.current) return <SessionPending />;
  shown.current = true;
  return children;
}
