import type { ReactNode } from "react";
import { Navigate, useSearchParams } from "react-router";
import { useSession } from "../auth/session.tsx";
import { safeNext } from "./auth-redirect.ts";
import { SessionPending } from "./session-pending.tsx";

/** Sign-in and sign-up: someone already signed in goes on to where they were heading. */
export function PublicOnly({ children }: { children: ReactNode }) {
  const { status } = useSession();
  const [params] = useSearchParams();
  if (status === "signed-in") return <Navigate to={safeNext(params.get("next"))} replace />;
  if (status === "loading") return <SessionPending />;
  return children;
}
