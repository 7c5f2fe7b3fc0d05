// Who is signed in, as the rest of the app sees it. Better Auth's useSession is the source; on top of it this
// remembers a session the app has left (signed out, or found gone by the token renewal) so every screen
// leaves it at once, with a message for the sign-in screen when the user did not choose to leave.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { discardAllDrafts } from "../drafts/drafts.ts";
import type { AuthClient } from "./auth-client.ts";
import type { SessionEndReason } from "./token-store.ts";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
}

export type SessionStatus = "loading" | "signed-in" | "signed-out" | "unreachable";

export interface SessionContextValue {
  authClient: AuthClient;
  status: SessionStatus;
  user: SessionUser | null;
  sessionId: string | null;
  /** For the sign-in screen: why the user was sent there. */
  notice: SessionNotice | null;
  /** The user signed out themselves (so the sign-in screen does not offer to go back). */
  signedOutOnPurpose: boolean;
  /** The session turned out to be gone: leave it now and say why. */
  endSession(reason: SessionEndReason): void;
  signOut(): Promise<void>;
  retry(): void;
}

export interface SessionNotice {
  /** What happened, e.g. "You were signed out." */
  message: string;
  /** What to do about it. */
  detail: string;
}

interface Left {
  /** The session the app has left; Better Auth may report it for a moment longer. */
  sessionId: string | null;
  onPurpose: boolean;
  notice: SessionNotice | null;
}

/**
 * A session that is gone before its expiry was ended on purpose: signed out in another tab or on another
 * device, revoked from "Devices and sessions", or the account was banned. Past its expiry it simply ended.
 */
function noticeFor(reason: SessionEndReason, expiresAt: number | null): SessionNotice {
  const detail = "Sign in again to continue; anything you typed is kept.";
  if (reason === "other-account") return { message: "You signed in as someone else in another tab.", detail };
  const expired = expiresAt !== null && Date.now() >= expiresAt;
  return { message: expired ? "Your session has ended." : "You were signed out.", detail };
}

/** Leaving `sessionId`: on purpose while this tab is signing out of it, otherwise with `notice` to say why. */
function leaving(sessionId: string | null, signingOutOf: string | null, notice: SessionNotice): Left {
  return sessionId !== null && sessionId === signingOutOf ? { sessionId, onPurpose: true, notice: null } : { sessionId, onPurpose: false, notice };
}

const timeOf = (value: Date | string | undefined) => (value === undefined ? null : new Date(value).getTime());

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ authClient, children }: { authClient: AuthClient; children: ReactNode }) {
  const session = authClient.useSession();
  const [left, setLeft] = useState<Left | null>(null);
  // The session this tab is signing out of. Its end may be noticed before the sign-out's own answer arrives
  // (the API ends the live stream on the revocation, and the renewal then finds the session gone): that is
  // still the user's choice, not a session ended under them, so no notice and no way back to this page.
  const [signingOutOf, setSigningOutOf] = useState<string | null>(null);

  const current = session.data && session.data.session.id !== left?.sessionId ? session.data : null;
  const status: SessionStatus = current ? "signed-in" : session.isPending ? "loading" : session.error ? "unreachable" : "signed-out";
  const sessionId = current?.session.id ?? null;
  const expiresAt = timeOf(current?.session.expiresAt);
  const userId = current?.user.id ?? null;
  const email = current?.user.email ?? "";
  const name = current?.user.name ?? "";
  const { refetch } = session;

  // A session that disappears by itself (it expired, or was revoked, seen when Better Auth rechecks it)
  // is an ended session too, and the sign-in screen says so.
  const [previous, setPrevious] = useState<{ sessionId: string | null; expiresAt: number | null }>({ sessionId: null, expiresAt: null });
  if (sessionId !== previous.sessionId || (sessionId !== null && expiresAt !== previous.expiresAt)) {
    setPrevious({ sessionId, expiresAt });
    if (sessionId === null && previous.sessionId !== null && left?.sessionId !== previous.sessionId && status === "signed-out") {
      setLeft(leaving(previous.sessionId, signingOutOf, noticeFor("ended", previous.expiresAt)));
    }
  }

  const endSession = useCallback(
    (reason: SessionEndReason) => {
      setLeft(leaving(sessionId, signingOutOf, noticeFor(reason, expiresAt)));
      void refetch();
    },
    [sessionId, signingOutOf, expiresAt, refetch],
  );

  const signOut = useCallback(async () => {
    setSigningOutOf(sessionId);
    try {
      const result = await authClient.signOut();
      if (result.error) throw new Error(result.error.message ?? "Could not sign out.");
    } catch (error) {
      setSigningOutOf(null);
      throw error;
    }
    if (userId) discardAllDrafts(userId);
    setLeft({ sessionId, onPurpose: true, notice: null });
  }, [authClient, sessionId, userId]);

  const value = useMemo<SessionContextValue>(
    () => ({
      authClient,
      status,
      user: userId ? { id: userId, email, name } : null,
      sessionId,
      notice: status === "signed-in" ? null : (left?.notice ?? null),
      signedOutOnPurpose: status !== "signed-in" && (left?.onPurpose ?? false),
      endSession,
      signOut,
      retry: () => void refetch(),
    }),
    [authClient, status, userId, email, name, sessionId, left, endSession, signOut, refetch],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession must be used inside <SessionProvider>.");
  return value;
}

/** The signed-in user; only for components rendered behind the signed-in guard. */
export function useSignedInUser(): SessionUser {
  const { user } = useSession();
  if (!user) throw new Error("useSignedInUser is only for signed-in screens.");
  return user;
}
