// Two-step verification with an authenticator app (TOTP, RFC 6238) and backup codes: Better Auth's
// twoFactor plugin, plus what it leaves out.
//  - A code works once. The plugin accepts a TOTP code as often as it likes within its window, and checks a
//    backup code by reading the list and writing it back without it (two requests at once both pass). Here
//    each code is claimed for its user in `second_factor_code_use` before the plugin checks it (the primary
//    key makes one of two simultaneous claims fail), and the claim is dropped when the code was wrong.
//  - How the session was authenticated. Each new session records its RFC 8176 methods ("pwd"; "pwd otp mfa"
//    once a code was verified; "swk user mfa" for a passkey, passkeys.ts) and when the second factor was, which the tokens carry as `amr` and
//    `auth_time` (token-claims.ts) for a resource server to ask more of (RFC 9470).
//  - Turning it off takes a current code (or a backup code) besides the password: the plugin asks only for
//    the password, which a thief who has it and the session cookie could use to remove the second factor.
//  - Turning it off and new backup codes end the account's other sessions (their tokens are refused through
//    the revocation feed), as a password change does: whoever was signed in elsewhere signs in again.
// Wrong codes are limited per account by the plugin's lockout (at sign-in, and here when turning it off),
// with the failed sign-in budget's numbers (AUTH_SIGN_IN_FAILURES_PER_ACCOUNT in ..._WINDOW_SECONDS).
// Every refused code (wrong, used already, or the second step locked) is reported with whose it was, for the
// audit trail's SIGN_IN_FAILED: a refusal thrown here ends the request before the auth service's after hook.
import { createHash } from "node:crypto";
import { createOTP } from "@better-auth/utils/otp";
import type { BetterAuthOptions, BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware, getSessionFromCtx } from "better-auth/api";
import { symmetricDecrypt } from "better-auth/crypto";
import { TWO_FACTOR_ERROR_CODES, twoFactor } from "better-auth/plugins";
import type { SignInFailure } from "../audit/audit-kinds.ts";
import type { Db } from "../db/client.ts";
import { endOtherSessionsAfter } from "./other-sessions.ts";
import { PASSKEY_METHODS, PASSKEY_SIGN_IN_PATH } from "./passkeys.ts";

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

export const VERIFY_TOTP_PATH = "/two-factor/verify-totp";
export const VERIFY_BACKUP_CODE_PATH = "/two-factor/verify-backup-code";
export const DISABLE_PATH = "/two-factor/disable";
export const NEW_BACKUP_CODES_PATH = "/two-factor/generate-backup-codes";
/** Where the plugin checks a code and makes a session. */
const CODE_PATHS = new Set([VERIFY_TOTP_PATH, VERIFY_BACKUP_CODE_PATH]);
/** Every request that carries a code, each claimed once. */
const CLAIMED_PATHS = new Set([...CODE_PATHS, DISABLE_PATH]);
/** What ends the account's other sessions once it succeeds. */
const ENDS_OTHER_SESSIONS = new Set([DISABLE_PATH, NEW_BACKUP_CODES_PATH]);
const CODE_ALREADY_USED = "CODE_ALREADY_USED";
/** A backup code's shape (the plugin's: five and five letters or digits); anything else is taken as a TOTP code. */
export const BACKUP_CODE = /^[A-Za-z0-9]{5}-[A-Za-z0-9]{5}$/;

/** RFC 8176 authentication method references. */
export const PASSWORD_METHODS = "pwd";
export const PASSWORD_AND_CODE_METHODS = "pwd otp mfa";

/** A TOTP code is valid for its 30 s step and one on either side; a claim is kept past that. */
const CLAIM_KEPT_SECONDS = 120;
const TOTP_PERIOD_SECONDS = 30;
export const BACKUP_CODE_COUNT = 10;

/** The signed cookie Better Auth sets between the password and the code (two-factor/constant.mjs). */
const TWO_FACTOR_COOKIE = "two_factor";

export interface SecondFactorOptions {
  /** Consecutive wrong codes at sign-in before the account's second step is locked, and for how long. */
  failures: { max: number; windowSeconds: number };
}

/** Whose code a request carried: the signed-in user's (with the session), or the one between password and code. */
export interface CodeOwner {
  userId: string;
  sessionId: string | null;
}

/** Told of every code refused, by this file's checks or the plugin's (audit-hooks.ts writes it down). */
export interface CodeRefusals {
  codeRefused: (ctx: HookContext, who: CodeOwner, reason: CodeRefusal) => Promise<void>;
}
export type CodeRefusal = Extract<SignInFailure, "invalid_code" | "code_reused" | "second_factor_locked">;

/** A refusal's class from its error code; null for one that says nothing about the code (no sign-in in progress). */
function refusalOf(error: APIError): CodeRefusal | null {
  const code = String((error.body as { code?: unknown } | undefined)?.code ?? "");
  if (code === "INVALID_CODE" || code === "INVALID_BACKUP_CODE") return "invalid_code";
  if (code === CODE_ALREADY_USED) return "code_reused";
  // The account's lockout, or this sign-in's own five tries spent (the plugin voids the password step).
  if (code === "ACCOUNT_TEMPORARILY_LOCKED" || code === "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE") return "second_factor_locked";
  return null;
}

/**
 * The plugins, and `before`: the code checks, which the auth service's own before hook runs first of all,
 * so that a request refused for its code spends none of the account's password budget (password-guessing.ts).
 */
export function createSecondFactor(
  db: Db,
  options: SecondFactorOptions,
  refusals: CodeRefusals,
): { plugins: BetterAuthPlugin[]; before: (ctx: HookContext) => Promise<void> } {
  const codes = codesWorkOnce(db, options, refusals);
  return {
    plugins: [twoFactorPlugin(options), codes.plugin, endOtherSessionsAfter("second-factor-ends-other-sessions", ENDS_OTHER_SESSIONS)],
    before: codes.before,
  };
}

function twoFactorPlugin(options: SecondFactorOptions): BetterAuthPlugin {
  return twoFactor({
    issuer: "Tasks",
    totpOptions: { digits: 6, period: TOTP_PERIOD_SECONDS },
    // Encrypted with BETTER_AUTH_SECRET, like the TOTP secret: a copy of the database holds no usable code.
    backupCodeOptions: { amount: BACKUP_CODE_COUNT, length: 10, storeBackupCodes: "encrypted" },
    accountLockout: {
      enabled: options.failures.max > 0,
      maxFailedAttempts: Math.max(options.failures.max, 1),
      durationSeconds: options.failures.windowSeconds,
    },
  });
}

/** Stamps each new session with how it was authenticated: a Better Auth `session.create.before` hook. */
export const stampAuthMethods: NonNullable<NonNullable<NonNullable<BetterAuthOptions["databaseHooks"]>["session"]>["create"]>["before"] =
  async (session, ctx) => {
    const path = (ctx as { path?: string } | null | undefined)?.path;
    // A code was verified in this request: the sign-in's second step, or the first code that turns it on.
    if (path && CODE_PATHS.has(path)) return { data: { ...session, authMethods: PASSWORD_AND_CODE_METHODS, secondFactorAt: new Date() } };
    // A passkey with user verification (passkeys.ts refuses one without): both factors at once.
    if (path === PASSKEY_SIGN_IN_PATH) return { data: { ...session, authMethods: PASSKEY_METHODS, secondFactorAt: new Date() } };
    // The password; the mailed link that signs in the browser which signed up with the password
    // (sign-up-browser.ts), before any second factor can exist; or the new session of a password change that
    // signed the other devices out (the password was just entered; a second factor is asked for again).
    if (path === "/sign-in/email" || path === "/verify-email" || path === "/change-password")
      return { data: { ...session, authMethods: PASSWORD_METHODS, secondFactorAt: null } };
    // A session that replaces another (turning two-step verification off) keeps what the replaced one
    // recorded: Better Auth copies its fields.
    return { data: session };
  };

function codesWorkOnce(db: Db, options: SecondFactorOptions, refusals: CodeRefusals) {
  // Whose code each request carries, by request: for `after`, to report a refusal and drop a wrong code's claim.
  const attempts = new WeakMap<object, { who: CodeOwner; claim?: { userId: string; code: string } }>();
  const release = (claim: { userId: string; code: string }) =>
    db.$executeRaw`DELETE FROM "second_factor_code_use" WHERE "userId" = ${claim.userId} AND "code" = ${claim.code}`;
  // A refusal thrown here ends the request before any after hook: it is reported here.
  const refuse = async (ctx: HookContext, who: CodeOwner, error: APIError): Promise<never> => {
    const reason = refusalOf(error);
    if (reason) await refusals.codeRefused(ctx, who, reason);
    throw error;
  };

  async function before(ctx: HookContext): Promise<void> {
    if (!CLAIMED_PATHS.has(ctx.path ?? "")) return;
    // "Trust this device" would let the password alone sign in from it for 30 days: not offered, so with
    // two-step verification on, every sign-in asks for a code (and the audit trail's sign-in is the code's).
    if ((ctx.body as { trustDevice?: unknown } | undefined)?.trustDevice)
      throw new APIError("BAD_REQUEST", {
        message: "Trusting a device is not offered: every sign-in asks for a code.",
        code: "TRUST_DEVICE_NOT_OFFERED",
      });
    const given = (ctx.body as { code?: unknown } | undefined)?.code;
    const code = typeof given === "string" ? given.trim() : "";
    if (ctx.path === DISABLE_PATH && !code)
      throw new APIError("BAD_REQUEST", {
        message: "Enter a current code from your authenticator app, or a backup code.",
        code: "CODE_REQUIRED",
      });
    if (!ctx.request) return;
    const who = await codeOwner(ctx);
    if (!who) return; // no session and no sign-in in progress: the endpoint answers 401
    attempts.set(ctx.request, { who });
    if (!code) return; // the endpoint refuses it itself (and after reports it)
    const { userId } = who;
    const claim = { userId, code: `${ctx.path === VERIFY_BACKUP_CODE_PATH || BACKUP_CODE.test(code) ? "backup" : "totp"}:${digest(code)}` };
    await db.$executeRaw`
      DELETE FROM "second_factor_code_use"
      WHERE "userId" = ${userId} AND "usedAt" < now() - ${CLAIM_KEPT_SECONDS} * interval '1 second'`;
    const [won] = await db.$queryRaw<{ claimed: boolean }[]>`
      INSERT INTO "second_factor_code_use" ("userId", "code") VALUES (${userId}, ${claim.code})
      ON CONFLICT DO NOTHING
      RETURNING true AS "claimed"`;
    if (!won)
      await refuse(
        ctx,
        who,
        new APIError("BAD_REQUEST", {
          message: "This code was already used. Wait for the next code and enter that one.",
          code: CODE_ALREADY_USED,
        }),
      );
    // A code from a signed-in session (turning it off, stepping up, the first code that turns it on) is
    // checked here under the account's lockout: the plugin counts wrong codes only at sign-in, so a stolen
    // session cookie could otherwise guess step-up codes with no limit but the per-address one.
    if (ctx.path === DISABLE_PATH || who.sessionId !== null) {
      const refusal = await checkCodeUnderLockout(ctx, db, userId, code, options);
      if (refusal) {
        await release(claim);
        await refuse(ctx, who, refusal);
      }
    }
    attempts.set(ctx.request, { who, claim });
  }

  const plugin: BetterAuthPlugin = {
    id: "second-factor-codes-work-once",
    hooks: {
      after: [
        {
          matcher: (context) => CLAIMED_PATHS.has(context.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const attempt = ctx.request ? attempts.get(ctx.request) : undefined;
            if (!attempt || !ctx.request) return;
            attempts.delete(ctx.request);
            const returned = ctx.context.returned;
            if (!(returned instanceof APIError)) return;
            // The code was wrong (or not checked): it stays usable, and counts only against the lockout.
            if (attempt.claim) await release(attempt.claim);
            const reason = refusalOf(returned);
            // A wrong first code while turning it on is a typo in a factor not yet on: nothing to report.
            if (reason && (attempt.who.sessionId === null || (await isOn(db, attempt.who.userId))))
              await refusals.codeRefused(ctx, attempt.who, reason);
          }),
        },
      ],
    },
  };
  return { plugin, before };
}

async function isOn(db: Db, userId: string): Promise<boolean> {
  const [row] = await db.$queryRaw<{ on: boolean | null }[]>`SELECT "twoFactorEnabled" AS "on" FROM "user" WHERE "id" = ${userId}`;
  return row?.on === true;
}

/** How many unused backup codes the account has left (they are stored encrypted, as a JSON list). */
export async function backupCodesLeft(ctx: HookContext, db: Db, userId: string): Promise<number> {
  const [row] = await db.$queryRaw<{ backupCodes: string }[]>`SELECT "backupCodes" FROM "two_factor" WHERE "userId" = ${userId}`;
  if (!row) return 0;
  return (JSON.parse(await symmetricDecrypt({ key: ctx.context.secretConfig, data: row.backupCodes })) as string[]).length;
}

/**
 * A code sent from a signed-in session (to turn two-step verification off, or to step up): a current TOTP
 * code or an unused backup code, under the plugin's account lockout (a wrong one counts; a locked account is
 * refused before any check). Null when it is right; the refusal otherwise.
 */
async function checkCodeUnderLockout(
  ctx: HookContext,
  db: Db,
  userId: string,
  code: string,
  options: SecondFactorOptions,
): Promise<APIError | null> {
  const [row] = await db.$queryRaw<{ secret: string; backupCodes: string; locked: boolean; on: boolean }[]>`
    SELECT "secret", "backupCodes", coalesce("lockedUntil" > now(), false) AS "locked",
           coalesce("user"."twoFactorEnabled", false) AS "on"
    FROM "two_factor" JOIN "user" ON "user"."id" = "two_factor"."userId"
    WHERE "userId" = ${userId}`;
  // Not on (yet): the endpoint answers that itself, and the first code that turns it on is the plugin's to
  // check (a typo there guards nothing yet, so it counts against no lock).
  if (!row || !row.on) return null;
  if (row.locked) return APIError.from("TOO_MANY_REQUESTS", TWO_FACTOR_ERROR_CODES.ACCOUNT_TEMPORARILY_LOCKED);
  const key = ctx.context.secretConfig;
  const right = BACKUP_CODE.test(code)
    ? (JSON.parse(await symmetricDecrypt({ key, data: row.backupCodes })) as string[]).includes(code)
    : await createOTP(await symmetricDecrypt({ key, data: row.secret }), { digits: 6, period: TOTP_PERIOD_SECONDS }).verify(code);
  if (right) return null;
  const { max, windowSeconds } = options.failures;
  if (max > 0)
    await db.$executeRaw`
      UPDATE "two_factor"
      SET "failedVerificationCount" = coalesce("failedVerificationCount", 0) + 1,
          "lockedUntil" = CASE WHEN coalesce("failedVerificationCount", 0) + 1 >= ${max}
                               THEN now() + ${windowSeconds} * interval '1 second' END
      WHERE "userId" = ${userId}`;
  // The plugin's own refusals, so both ways of checking a code answer alike.
  return APIError.from("UNAUTHORIZED", TWO_FACTOR_ERROR_CODES.INVALID_CODE);
}

/** Whose code this is: the signed-in user's, or the one between password and code at sign-in. */
async function codeOwner(ctx: HookContext): Promise<CodeOwner | null> {
  const session = await getSessionFromCtx(ctx);
  if (session) return { userId: session.user.id, sessionId: session.session.id };
  const cookie = ctx.context.createAuthCookie(TWO_FACTOR_COOKIE);
  const identifier = await ctx.getSignedCookie(cookie.name, ctx.context.secret);
  if (!identifier) return null;
  const pending = await ctx.context.internalAdapter.findVerificationValue(identifier);
  return pending && pending.expiresAt > new Date() ? { userId: pending.value, sessionId: null } : null;
}

function digest(code: string): string {
  return createHash("sha256").update(code).digest("base64url");
}
