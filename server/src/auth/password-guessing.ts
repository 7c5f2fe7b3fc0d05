// Every endpoint that checks a password, under one budget (account-sign-in-budget.ts) and in the audit
// trail: sign-in, and the endpoints where a signed-in person re-enters their password (change password,
// delete account; change email through `confirm`, as email-change.ts checks that password itself). Before the endpoint runs, one unit is spent (or the request is refused
// with 429 and the password is never checked); after it, the unit is given back unless the password was
// wrong. A successful sign-in makes the browser a known device of the account (known-devices.ts); a
// completed password reset clears the account's budget for unknown clients and makes the browser that
// completed it a known device, so its owner is never kept out by someone else's guessing.
import { APIError, type createAuthMiddleware, getSessionFromCtx } from "better-auth/api";
import {
  BUDGET_UNREACHABLE,
  budgetKeys,
  type PasswordCheckBudget,
  TOO_MANY_FAILED_SIGN_INS,
  TOO_MANY_WRONG_PASSWORDS,
} from "./account-sign-in-budget.ts";
import { accountKey, knownDevice, rememberDevice } from "./known-devices.ts";

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/**
 * Better Auth's endpoints where a signed-in person re-enters their current password. Changing the email is
 * the third, and its password is checked by email-change.ts through `confirm`.
 */
export const PASSWORD_CONFIRMATION_PATHS = new Set([
  "/change-password",
  "/delete-user",
  // Turning two-step verification on or off, and new backup codes (second-factor.ts).
  "/two-factor/enable",
  "/two-factor/disable",
  "/two-factor/generate-backup-codes",
]);

/** What Better Auth answers for a wrong password: at sign-in, and when re-entered with a session. */
const WRONG_SIGN_IN = "INVALID_EMAIL_OR_PASSWORD";
const WRONG_PASSWORD = "INVALID_PASSWORD";

export interface PasswordGuessingAudit {
  /** A sign-in refused before its password was checked. */
  signInLocked(ctx: HookContext): Promise<unknown>;
  /** A re-entered password that was wrong, or refused unchecked (`locked`). */
  confirmationFailed(ctx: HookContext, who: SignedIn, reason: "wrong_password" | "locked"): Promise<unknown>;
}

/** The signed-in person re-entering their password: the user and the session they use. */
export interface SignedIn {
  userId: string;
  sessionId: string;
}

export function createPasswordGuessing(budget: PasswordCheckBudget, audit: PasswordGuessingAudit) {
  // What `before` spent, by request, for `after` to settle: the budget's key and whose password it was.
  const spent = new WeakMap<object, { key: string; who?: SignedIn }>();

  /** The budget a sign-in for `email` from this browser spends from. */
  async function signInBudget(ctx: HookContext, email: string): Promise<string> {
    const device = await knownDevice(ctx);
    return device?.accounts.includes(accountKey(email)) ? budgetKeys.knownDevice(email, device.id) : budgetKeys.unknownClients(email);
  }

  /** Null when the check may happen, else seconds to wait; throws 503 when the budget cannot be counted. */
  async function spend(ctx: HookContext, key: string, who?: SignedIn): Promise<number | null> {
    const wait = await budget.spend(key);
    if (wait === BUDGET_UNREACHABLE) throw budgetUnreachable();
    if (wait === null && ctx.request) spent.set(ctx.request, { key, who });
    return wait;
  }

  return {
    async before(ctx: HookContext): Promise<void> {
      if (ctx.path === "/sign-in/email") {
        const email = typedEmail(ctx.body);
        if (!email) return;
        const wait = await spend(ctx, await signInBudget(ctx, email));
        if (wait === null) return;
        await audit.signInLocked(ctx);
        throw refusal(TOO_MANY_FAILED_SIGN_INS, `Too many failed sign-ins for this account. Try again in ${minutes(wait)}.`, wait);
      }
      if (ctx.path && PASSWORD_CONFIRMATION_PATHS.has(ctx.path)) {
        const session = await getSessionFromCtx(ctx);
        if (!session) return; // the endpoint answers 401 itself
        const who = { userId: session.user.id, sessionId: session.session.id };
        const wait = await spend(ctx, budgetKeys.confirmations(who.userId), who);
        if (wait === null) return;
        await audit.confirmationFailed(ctx, who, "locked");
        throw refusal(TOO_MANY_WRONG_PASSWORDS, `Too many wrong passwords. Try again in ${minutes(wait)}.`, wait);
      }
    },

    async after(ctx: HookContext): Promise<void> {
      const settle = ctx.request ? spent.get(ctx.request) : undefined;
      if (!settle || !ctx.request) return;
      spent.delete(ctx.request);
      const returned = ctx.context.returned;
      const code = returned instanceof APIError ? (returned.body as { code?: unknown } | undefined)?.code : undefined;
      if (ctx.path === "/sign-in/email") {
        if (code !== WRONG_SIGN_IN) await budget.refund(settle.key);
        if (!(returned instanceof APIError) && ctx.context.newSession) await rememberDevice(ctx, ctx.context.newSession.user.email);
        return;
      }
      if (settle.who === undefined) return;
      if (code === WRONG_PASSWORD) await audit.confirmationFailed(ctx, settle.who, "wrong_password");
      else await budget.refund(settle.key);
    },

    /**
     * A password re-entered with a session and checked by the caller (`check`), under the same budget and
     * audit as Better Auth's own: refused unchecked (429) when the budget is spent; true when it was right.
     */
    async confirm(ctx: HookContext, who: SignedIn, check: () => Promise<boolean>): Promise<boolean> {
      const key = budgetKeys.confirmations(who.userId);
      const wait = await budget.spend(key);
      if (wait === BUDGET_UNREACHABLE) throw budgetUnreachable();
      if (wait !== null) {
        await audit.confirmationFailed(ctx, who, "locked");
        throw refusal(TOO_MANY_WRONG_PASSWORDS, `Too many wrong passwords. Try again in ${minutes(wait)}.`, wait);
      }
      let right: boolean;
      try {
        right = await check();
      } catch (error) {
        await budget.refund(key);
        throw error;
      }
      if (right) await budget.refund(key);
      else await audit.confirmationFailed(ctx, who, "wrong_password");
      return right;
    },

    /**
     * The request failed before the after hook could settle it (an exception, such as a database outage,
     * which the auth app answers 503): the password was not found wrong, so the unit goes back.
     */
    async abandoned(request: Request): Promise<void> {
      const settle = spent.get(request);
      spent.delete(request);
      if (settle) await budget.refund(settle.key);
    },

    /** A password reset completed in this browser for `email`. */
    async passwordReset(ctx: HookContext, email: string): Promise<void> {
      await budget.clear(budgetKeys.unknownClients(email));
      await rememberDevice(ctx, email);
    },
  };
}

export type PasswordGuessing = ReturnType<typeof createPasswordGuessing>;

function typedEmail(body: unknown): string | null {
  const email = (body as { email?: unknown } | undefined)?.email;
  return typeof email === "string" && email.trim() !== "" ? email : null;
}

function minutes(seconds: number): string {
  const count = Math.ceil(seconds / 60);
  return count === 1 ? "a minute" : `${count} minutes`;
}

/** Seconds a client is told to wait while the budget's store is unreachable (it usually returns quickly). */
const BUDGET_UNREACHABLE_RETRY_AFTER_SECONDS = 5;

/**
 * The budget could not be counted (its store, Redis, is unreachable): the password is not checked. Failing
 * closed: someone who can make the store unavailable must not get unlimited guesses.
 */
function budgetUnreachable(): APIError {
  const seconds = String(BUDGET_UNREACHABLE_RETRY_AFTER_SECONDS);
  return new APIError(
    "SERVICE_UNAVAILABLE",
    { message: "Signing in with a password is unavailable for a moment. Try again shortly.", code: "SERVICE_BUSY" },
    { "Retry-After": seconds },
  );
}

function refusal(code: string, message: string, seconds: number): APIError {
  return new APIError("TOO_MANY_REQUESTS", { message, code }, { "Retry-After": String(seconds), "X-Retry-After": String(seconds) });
}
