// Where the auth service writes the audit trail. Endpoint events (sign-up, sign-in and its failures,
// password changes, second factors and passkeys, every admin action) are written after the endpoint has
// answered, from what it answered; a refused second-factor code when second-factor.ts reports it (it knows
// whose code it was, and some refusals end the request before this after hook); each ended session (sign-out, revoked, ended by an admin or a ban) by the session table's
// delete hook, which Better Auth calls for every row it deletes. A failed write fails the request: an
// event that cannot be recorded is not silently lost. Rows carry ids, classes and the client's address,
// never a password, token or cookie.
import type { BetterAuthOptions } from "better-auth";
import { APIError, type createAuthMiddleware } from "better-auth/api";
import { decodeJwt } from "jose";
import type { AuditEventKind, CodeAskedFor, SignInFailure, SignInMethod } from "../audit/audit-kinds.ts";
import { recordSecurityEvent, type SecurityEvent } from "../audit/audit-log.ts";
import type { Db } from "../db/client.ts";
import { TOO_MANY_FAILED_SIGN_INS } from "./account-sign-in-budget.ts";
import { DELETE_PATH as PASSKEY_DELETE_PATH, PASSKEY_SIGN_IN_PATH, REGISTRATION_PATH as PASSKEY_REGISTRATION_PATH } from "./passkeys.ts";
import {
  BACKUP_CODE,
  BACKUP_CODE_COUNT,
  backupCodesLeft,
  type CodeOwner,
  type CodeRefusal,
  DISABLE_PATH,
  NEW_BACKUP_CODES_PATH,
  VERIFY_BACKUP_CODE_PATH,
  VERIFY_TOTP_PATH,
} from "./second-factor.ts";
import { CLIENT_IP_HEADER } from "../net/client-address.ts";

type AfterContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];
type SignedIn = { user: { id: string }; session: { id: string } };

interface EndpointContext {
  path?: string;
  headers?: Headers;
  request?: Request;
  context?: { session?: { user: { id: string }; session: { id: string } } | null };
}

function client(ctx: EndpointContext | null | undefined): Pick<SecurityEvent, "ipAddress" | "userAgent"> {
  const headers = ctx?.headers ?? ctx?.request?.headers;
  return { ipAddress: headers?.get(CLIENT_IP_HEADER) ?? null, userAgent: headers?.get("user-agent") ?? null };
}

const ADMIN_ACTIONS: Record<string, AuditEventKind> = {
  "/admin/ban-user": "USER_BANNED",
  "/admin/unban-user": "USER_UNBANNED",
  "/admin/revoke-user-sessions": "USER_SESSIONS_ENDED",
  "/admin/revoke-user-session": "USER_SESSIONS_ENDED",
};

function signInFailure(error: APIError): SignInFailure {
  const code = String((error.body as { code?: unknown } | undefined)?.code ?? "");
  if (code === "INVALID_EMAIL_OR_PASSWORD") return "invalid_credentials";
  if (code === "BANNED_USER") return "banned";
  if (code === "EMAIL_NOT_VERIFIED") return "email_not_verified";
  if (code === TOO_MANY_FAILED_SIGN_INS) return "account_locked";
  return "other";
}

/** Who ended a session, as a class; null for none worth a line (the password step of a two-step sign-in). */
function sessionEndedBy(path: string | undefined): string | null {
  if (!path) return "system";
  // With two-step verification on, Better Auth makes the password's session and deletes it at once: the
  // sign-in is not done until the code (second-factor.ts), and its SIGN_IN is written then.
  if (path === "/sign-in/email") return null;
  if (path === VERIFY_TOTP_PATH) return "second_factor_on"; // the first code replaces the session
  if (path === DISABLE_PATH) return "second_factor_off";
  if (path === NEW_BACKUP_CODES_PATH) return "backup_codes_renewed";
  if (path === PASSKEY_DELETE_PATH) return "passkey_removed";
  if (path.startsWith("/admin/")) return path === "/admin/ban-user" ? "ban" : "admin";
  if (path === "/change-password") return "password_change";
  if (path === "/reset-password") return "password_reset";
  if (path === "/delete-user") return "account_deleted";
  if (path === "/verify-email") return "email_change"; // the new address confirmed a change (email-change.ts)
  if (path === "/undo-email-change") return "email_change_undone";
  if (path.startsWith("/revoke-")) return "user";
  return "expired";
}

/** Told of each failed sign-in as it is audited: the request, the account's id when there is one, and why. */
export type SignInFailureLog = (request: Request | undefined, userId: string | null, reason: SignInFailure) => void;

export function createAuditHooks(db: Db, logSignInFailure: SignInFailureLog = () => {}) {
  const write = (event: SecurityEvent) => recordSecurityEvent(db, event);

  /** A failed sign-in, also one refused before the endpoint ran (then no after hook follows). */
  const signInFailed = async (ctx: AfterContext, reason: SignInFailure) => {
    // The account the attempt was against, when there is one; never the typed text (a password
    // typed into the email field would otherwise land here).
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    const email = typeof body.email === "string" ? body.email.toLowerCase() : null;
    const target = email ? await db.user.findUnique({ where: { email }, select: { id: true } }) : null;
    // The log names the account by its id, never by the address typed.
    logSignInFailure(ctx.request, target?.id ?? null, reason);
    return write({ kind: "SIGN_IN_FAILED", subjectId: target?.id ?? null, detail: { reason }, ...client(ctx as EndpointContext) });
  };

  /** A session made by signing in, and how: the password, with a code or a backup code, or a passkey. */
  const signedIn = (made: SignedIn, method: SignInMethod, where: ReturnType<typeof client>) =>
    write({ kind: "SIGN_IN", actorId: made.user.id, subjectId: made.user.id, sessionId: made.session.id, detail: { method }, ...where });

  /** A backup code worked (it works once): how many the account has left, so running out shows. */
  const backupCodeUsed = async (ctx: AfterContext, by: SignedIn, during: Exclude<CodeAskedFor, "turn_off">) =>
    write({
      kind: "BACKUP_CODE_USED",
      actorId: by.user.id,
      subjectId: by.user.id,
      sessionId: by.session.id,
      detail: { during, remaining: await backupCodesLeft(ctx, db, by.user.id) },
      ...client(ctx as EndpointContext),
    });

  /**
   * A second factor's code refused (second-factor.ts): a failed sign-in, at the sign-in's second step (by
   * someone who had the password, not signed in), or from a session (step-up, turning it off). Never the code.
   */
  const codeRefused = (ctx: AfterContext, who: CodeOwner, reason: CodeRefusal) => {
    const during: CodeAskedFor = who.sessionId === null ? "sign_in" : ctx.path === DISABLE_PATH ? "turn_off" : "step_up";
    return write({
      kind: "SIGN_IN_FAILED",
      actorId: who.sessionId === null ? null : who.userId,
      subjectId: who.userId,
      sessionId: who.sessionId,
      detail: { reason, during },
      ...client(ctx as EndpointContext),
    });
  };

  const afterEndpoint = async (ctx: AfterContext) => {
    const returned = ctx.context.returned;
    const failed = returned instanceof APIError;
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    const where = client(ctx as EndpointContext);
    const newSession = ctx.context.newSession;
    const session = ctx.context.session;

    if (ctx.path === "/sign-in/email") {
      // With two-step verification on, the password's session is deleted right after this hook (Better Auth's
      // plugin hooks run after ours): the sign-in is written when the code makes its session, below.
      const secondStepPending = (newSession?.user as { twoFactorEnabled?: boolean | null } | undefined)?.twoFactorEnabled === true;
      if (!failed && newSession && !secondStepPending) return signedIn(newSession, "password", where);
      if (failed) return signInFailed(ctx, signInFailure(returned));
      return;
    }
    if (ctx.path === PASSKEY_SIGN_IN_PATH) return failed || !newSession ? undefined : signedIn(newSession, "passkey", where);
    // A code verified. Refused codes are reported by second-factor.ts, which knows whose code it was.
    if (ctx.path === VERIFY_TOTP_PATH || ctx.path === VERIFY_BACKUP_CODE_PATH) {
      if (failed) return;
      const factor = ctx.path === VERIFY_TOTP_PATH ? "totp" : "backup_code";
      // The second step of a two-step sign-in made the session: that is the sign-in, with the factor used.
      if (newSession && !session) {
        if (factor === "backup_code") await backupCodeUsed(ctx, newSession, "sign_in");
        return signedIn(newSession, `password+${factor}`, where);
      }
      if (!session) return;
      // The first code, while signed in: two-step verification is on (and this session replaced by a new one).
      if (newSession) {
        const { user } = newSession;
        return write({ kind: "SECOND_FACTOR_ENABLED", actorId: user.id, subjectId: user.id, sessionId: newSession.session.id, ...where });
      }
      // A code while signed in, with it on: step-up, this session's second factor renewed (step-up.ts).
      if (factor === "backup_code") await backupCodeUsed(ctx, session, "step_up");
      return write({
        kind: "STEP_UP_VERIFIED",
        actorId: session.user.id,
        subjectId: session.user.id,
        sessionId: session.session.id,
        detail: { method: factor },
        ...where,
      });
    }
    if (failed || !session) return;
    const own = { actorId: session.user.id, subjectId: session.user.id, sessionId: session.session.id, ...where };
    if (ctx.path === DISABLE_PATH) {
      // Better Auth replaces the session as it turns it off: the new one is the person's.
      const method = BACKUP_CODE.test(typeof body.code === "string" ? body.code.trim() : "") ? "backup_code" : "totp";
      return write({ kind: "SECOND_FACTOR_DISABLED", ...own, sessionId: newSession?.session.id ?? session.session.id, detail: { method } });
    }
    if (ctx.path === NEW_BACKUP_CODES_PATH)
      return write({ kind: "BACKUP_CODES_REGENERATED", ...own, detail: { count: BACKUP_CODE_COUNT } });
    // The passkey's id, never its name: a name is whatever was typed.
    if (ctx.path === PASSKEY_REGISTRATION_PATH) {
      const id = (returned as { id?: unknown } | null | undefined)?.id;
      return write({ kind: "PASSKEY_ADDED", ...own, detail: { passkeyId: typeof id === "string" ? id : null } });
    }
    if (ctx.path === PASSKEY_DELETE_PATH)
      return write({ kind: "PASSKEY_REMOVED", ...own, detail: { passkeyId: typeof body.id === "string" ? body.id : null } });
    if (ctx.path === "/change-password") {
      return write({
        kind: "PASSWORD_CHANGED",
        actorId: session.user.id,
        subjectId: session.user.id,
        sessionId: session.session.id,
        detail: { otherSessionsEnded: body.revokeOtherSessions === true },
        ...where,
      });
    }
    const adminKind = ctx.path ? ADMIN_ACTIONS[ctx.path] : undefined;
    if (adminKind && typeof body.userId === "string") {
      const reason = typeof body.banReason === "string" ? body.banReason.slice(0, 200) : null;
      return write({
        kind: adminKind,
        actorId: session.user.id,
        subjectId: body.userId,
        sessionId: session.session.id,
        detail: {
          by: "admin",
          ...(adminKind === "USER_BANNED" ? { reason } : {}),
          ...(ctx.path === "/admin/revoke-user-session" ? { scope: "one" } : {}),
        },
        ...where,
      });
    }
  };

  const databaseHooks: BetterAuthOptions["databaseHooks"] = {
    // Sign-up: written when the user row is made, so a sign-up with a taken address (which makes none,
    // and answers alike) writes nothing here; no session exists until the address is verified.
    user: {
      create: {
        after: async (user, ctx) => {
          await write({ kind: "SIGN_UP", actorId: user.id, subjectId: user.id, ...client(ctx as EndpointContext | null) });
        },
      },
    },
    session: {
      delete: {
        after: async (ended, ctx) => {
          const endpoint = ctx as EndpointContext | null | undefined;
          const signOut = endpoint?.path === "/sign-out";
          const by = sessionEndedBy(endpoint?.path);
          if (!signOut && by === null) return;
          await write({
            kind: signOut ? "SIGN_OUT" : "SESSION_ENDED",
            actorId: endpoint?.context?.session?.user.id ?? (signOut ? ended.userId : null),
            subjectId: ended.userId,
            sessionId: ended.id,
            detail: signOut ? {} : { by },
            ...client(endpoint),
          });
        },
      },
    },
  };

  /**
   * A password re-entered with a session (change password, change email, delete account) that was wrong,
   * or refused unchecked because the account's budget is spent (`locked`).
   */
  const passwordConfirmationFailed = (ctx: AfterContext, who: { userId: string; sessionId: string }, reason: "wrong_password" | "locked") =>
    write({
      kind: "PASSWORD_CONFIRMATION_FAILED",
      actorId: who.userId,
      subjectId: who.userId,
      sessionId: who.sessionId,
      detail: { reason, endpoint: ctx.path ?? null },
      ...client(ctx as EndpointContext),
    });

  /** Better Auth's onPasswordReset: after the new password is saved and the user's sessions ended. */
  const passwordReset = (userId: string, request: Request | undefined) =>
    write({ kind: "PASSWORD_RESET", actorId: userId, subjectId: userId, detail: { sessionsEnded: true }, ...client({ request }) });

  /**
   * Better Auth's afterEmailVerification, called for a first verification and for a changed address alike.
   * The link's token says which (its `updateTo`); the endpoint has already verified it, so it is only read.
   */
  const emailVerified = (userId: string, request: Request | undefined) => {
    const token = request ? new URL(request.url).searchParams.get("token") : null;
    let changed = false;
    try {
      changed = token !== null && typeof decodeJwt(token).updateTo === "string";
    } catch {
      // Not a token we can read: a first verification.
    }
    return write({ kind: changed ? "EMAIL_CHANGED" : "EMAIL_VERIFIED", actorId: userId, subjectId: userId, ...client({ request }) });
  };

  /** Someone signed in, with the right password, asked to move the account to another address. */
  const emailChangeRequested = (ctx: AfterContext, session: SignedIn) =>
    write({
      kind: "EMAIL_CHANGE_REQUESTED",
      actorId: session.user.id,
      subjectId: session.user.id,
      sessionId: session.session.id,
      ...client(ctx as EndpointContext),
    });

  /** The old address's undo link was used: back on that address, a new password, every session ended. */
  const emailChangeUndone = (userId: string, detail: { restored: boolean; squatterRemoved: boolean }, request: Request | undefined) =>
    write({
      kind: "EMAIL_CHANGE_UNDONE",
      actorId: userId,
      subjectId: userId,
      detail: { ...detail, passwordReplaced: true },
      ...client({ request }),
    });

  /** Better Auth's afterDelete: the account, its tasks and its sessions are gone. */
  const accountDeleted = (userId: string, request: Request | undefined) =>
    write({ kind: "ACCOUNT_DELETED", actorId: userId, subjectId: userId, ...client({ request }) });

  return {
    afterEndpoint,
    signInFailed,
    codeRefused,
    passwordReset,
    emailVerified,
    accountDeleted,
    passwordConfirmationFailed,
    emailChangeRequested,
    emailChangeUndone,
    databaseHooks,
  };
}
