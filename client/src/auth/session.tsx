// Who is signed in, as the rest of the app sees it. Better Auth's useSession is the source; on top of it this
// remembers a session the app has left (signed out, or found gone by the token renewal) so every screen
// leaves it at once, with a message for the sign-in screen when the user did not choose to leave. A password
// change that signs out the other devices replaces this tab's session too, and so do turning two-step
// verification on and off: the app carries on in the new session.
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";
import { discardAllDrafts } from "../drafts/drafts.ts";
import type { AuthClient } from "./auth-client.ts";
import type { DpopKeyStore } from "./dpop-key.ts";
import { type AuthFailure, callAuth } from "./auth-errors.ts";
import { UNREACHABLE_AFTER_FAILURES, useSessionCheckRetry } from "./session-check-retry.ts";
import type { SessionEndReason } from "./token-store.ts";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  /** Two-step verification is on (Better Auth's twoFactor plugin keeps it on the user). */
  twoFactorEnabled: boolean;
}

export type SessionStatus = "loading" | "signed-in" | "signed-out" | "unreachable";

export interface SessionContextValue {
  authClient: AuthClient;
  /** This browser's DPoP keys: the signed-in user's binds their API tokens; sign-out deletes them. */
  dpopKeys: DpopKeyStore;
  status: SessionStatus;
  user: SessionUser | null;
  sessionId: string | null;
  /** For the sign-in screen: why the user was sent there. */
  notice: SessionNotice | null;
  /** The user signed out themselves (so the sign-in screen does not offer to go back). */
  signedOutOnPurpose: boolean;
  /**
   * What the signed-in screens' GraphQL client belongs to: the session id, kept when this tab's own password
   * change replaced the session (the same person carries on; only the token is renewed).
   */
  clientKey: string | null;
  /** The session turned out to be gone: leave it now and say why. */
  endSession(reason: SessionEndReason): void;
  signOut(): Promise<void>;
  /** Better Auth's change-password, through which this tab keeps its place when its session is replaced. */
  changePassword(change: PasswordChange): Promise<{ error: AuthFailure | null }>;
  /**
   * Runs a Better Auth call that replaces this tab's session (its answer sets the new session's cookie), so that
   * the old session's end meanwhile is not taken for a sign-out: two-step verification's first code, turning it off.
   */
  replaceSession<Answer extends { error: unknown }>(call: () => Promise<Answer>): Promise<Answer>;
  /** Resolves when no call of this tab is replacing its session: token requests wait for its new cookie. */
  sessionSettled(): Promise<void>;
  retry(): void;
}

export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
  revokeOtherSessions: boolean;
}

/**
 * This tab's session being replaced by its own call. Better Auth's /change-password with revokeOtherSessions
 * deletes every session of the user, this one included, creates a new one and sets its cookie in the answer;
 * /two-factor/verify-totp (the code that turns two-step verification on) and /two-factor/disable make a new
 * session and delete this one. The API refuses the old session's token (and ends its live stream) within a
 * second of the deletion, which may be before that answer arrives: until it has, the old session's end is expected.
 */
interface Replacement {
  from: string;
  userId: string;
  clientKey: string;
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
  return sessionId !== null && sessionId === signingOutOf
    ? { sessionId, onPurpose: true, notice: null }
    : { sessionId, onPurpose: false, notice };
}

const timeOf = (value: Date | string | undefined) => (value === undefined ? null : new Date(value).getTime());

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({
  authClient,
  dpopKeys,
  children,
}: {
  authClient: AuthClient;
  dpopKeys: DpopKeyStore;
  children: ReactNode;
}) {
  const session = authClient.useSession();
  const [left, setLeft] = useState<Left | null>(null);
  // The session this tab is signing out of. Its end may be noticed before the sign-out's own answer arrives
  // (the API ends the live stream on the revocation, and the renewal then finds the session gone): that is
  // still the user's choice, not a session ended under them, so no notice and no way back to this page.
  const [signingOutOf, setSigningOutOf] = useState<string | null>(null);

  const [replacement, setReplacement] = useState<Replacement | null>(null);
  // Token requests wait for this while a replacement is under way (read through a ref: the token store outlives renders).
  const settled = useRef<Promise<void>>(Promise.resolve());
  // The old session's end, noticed while the change was under way: it stands if the change failed.
  const endedDuringChange = useRef<SessionEndReason | null>(null);

  const failedChecks = useSessionCheckRetry(session);
  // During a replacement, a session of someone else (a passkey step-up that answered with another account's
  // session, which passkey-step-up.ts signs out at once) is never shown: the app does not switch accounts.
  const current =
    session.data && session.data.session.id !== left?.sessionId && (!replacement || session.data.user.id === replacement.userId)
      ? session.data
      : null;
  const status: SessionStatus = current
    ? "signed-in"
    : session.isPending || replacement
      ? "loading" // (during a replacement: between the old session and the new one)
      : session.error
        ? failedChecks >= UNREACHABLE_AFTER_FAILURES
          ? "unreachable"
          : "loading" // a service that is still starting, or a blink of the network: it is checked again shortly
        : "signed-out";
  const sessionId = current?.session.id ?? null;
  const expiresAt = timeOf(current?.session.expiresAt);
  const userId = current?.user.id ?? null;
  const email = current?.user.email ?? "";
  const name = current?.user.name ?? "";
  const twoFactorEnabled = current?.user.twoFactorEnabled === true;
  const { refetch } = session;

  // A session that disappears by itself (it expired, or was revoked, seen when Better Auth rechecks it)
  // is an ended session too, and the sign-in screen says so; not the one this tab is replacing.
  const [previous, setPrevious] = useState<{ sessionId: string | null; expiresAt: number | null; clientKey: string | null }>({
    sessionId: null,
    expiresAt: null,
    clientKey: null,
  });
  let clientKey = previous.clientKey;
  if (sessionId !== previous.sessionId || (sessionId !== null && expiresAt !== previous.expiresAt)) {
    const replaced = replacement !== null && sessionId !== null && sessionId !== replacement.from && userId === replacement.userId;
    clientKey = sessionId === previous.sessionId ? previous.clientKey : replaced ? replacement.clientKey : sessionId;
    setPrevious({ sessionId, expiresAt, clientKey });
    if (replaced) setReplacement(null); // the new session is here (its cookie came with the change's answer)
    const expected = replacement !== null && previous.sessionId === replacement.from;
    if (
      sessionId === null &&
      previous.sessionId !== null &&
      left?.sessionId !== previous.sessionId &&
      status === "signed-out" &&
      !expected
    ) {
      setLeft(leaving(previous.sessionId, signingOutOf, noticeFor("ended", previous.expiresAt)));
    }
  }

  const endSession = useCallback(
    (reason: SessionEndReason) => {
      if (replacement && sessionId === replacement.from) {
        endedDuringChange.current = reason;
        return;
      }
      setLeft(leaving(sessionId, signingOutOf, noticeFor(reason, expiresAt)));
      void refetch();
    },
    [replacement, sessionId, signingOutOf, expiresAt, refetch],
  );

  const replaceSession = useCallback(
    async <Answer extends { error: unknown }>(call: () => Promise<Answer>): Promise<Answer> => {
      if (!sessionId || !userId || !clientKey) return call();
      let settle = () => {};
      settled.current = new Promise((resolve) => {
        settle = resolve;
      });
      endedDuringChange.current = null;
      setReplacement({ from: sessionId, userId, clientKey });
      try {
        const result = await call();
        if (result.error) {
          setReplacement(null);
          const ended = endedDuringChange.current;
          if (ended) {
            setLeft(leaving(sessionId, signingOutOf, noticeFor(ended, expiresAt)));
            void refetch();
          }
          return result;
        }
        void refetch(); // the new session, which ends the replacement (Better Auth's client refetches it too)
        return result;
      } catch (error) {
        setReplacement(null);
        throw error;
      } finally {
        settle();
      }
    },
    [sessionId, userId, clientKey, signingOutOf, expiresAt, refetch],
  );

  const changePassword = useCallback(
    // Without revokeOtherSessions, Better Auth leaves every session as it is.
    (change: PasswordChange) =>
      change.revokeOtherSessions ? replaceSession(() => authClient.changePassword(change)) : authClient.changePassword(change),
    [authClient, replaceSession],
  );

  const sessionSettled = useCallback(() => settled.current, []);

  const signOut = useCallback(async () => {
    setSigningOutOf(sessionId);
    const { failure, problem } = await callAuth(() => authClient.signOut());
    if (failure) {
      setSigningOutOf(null);
      throw new Error(problem, { cause: failure });
    }
    if (userId) discardAllDrafts(userId);
    // A new key for the next sign-in: tokens bound to this one die with the session, and the key goes with them.
    // (Failing to delete it does not keep anyone signed in, so the sign-out stands.)
    await dpopKeys.deleteAll().catch(() => {});
    setLeft({ sessionId, onPurpose: true, notice: null });
  }, [authClient, dpopKeys, sessionId, userId]);

  const value = useMemo<SessionContextValue>(
    () => ({
      authClient,
      dpopKeys,
      status,
      user: userId ? { id: userId, email, name, twoFactorEnabled } : null,
      sessionId,
      notice: status === "signed-in" ? null : (left?.notice ?? null),
      signedOutOnPurpose: status !== "signed-in" && (left?.onPurpose ?? false),
      clientKey: status === "signed-in" ? clientKey : null,
      endSession,
      signOut,
      changePassword,
      replaceSession,
      sessionSettled,
      retry: () => void refetch(),
    }),
    [
      authClient,
      dpopKeys,
      status,
      userId,
      email,
      name,
      twoFactorEnabled,
      sessionId,
      left,
      clientKey,
      endSession,
      signOut,
      changePassword,
      replaceSession,
      sessionSettled,
      refetch,
    ],
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
