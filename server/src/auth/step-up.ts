// Step-up at the auth service (RFC 9470's model, shared/step-up.ts for the rule):
//  - The admin endpoints this project uses (ban, unban, end a user's sessions, list users) ask an admin for a
//    second factor verified in this session within AUTH_STEP_UP_MAX_AGE_S, as the API's admin fields do;
//    without it they answer 403 INSUFFICIENT_USER_AUTHENTICATION with maxAge, before the admin plugin runs.
//    A non-admin is left to the plugin, which refuses them as before (never told a second factor would help).
//  - Stepping up: a signed-in person verifies a code again (/two-factor/verify-totp or verify-backup-code
//    with the session cookie, which the plugin answers without making a session). On success this session's
//    second factor is now: its methods become "pwd otp mfa" and secondFactorAt is stamped, so the next token
//    carries a fresh auth_time. (At sign-in the code's new session is stamped by stampAuthMethods instead.)
// Both read and write the session row itself, never the cookie cache: the decision is as fresh as the token.
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware, getSessionFromCtx } from "better-auth/api";
import type { Db } from "../db/client.ts";
import { INSUFFICIENT_USER_AUTHENTICATION, secondFactorIsRecent } from "../shared/step-up.ts";
import { ADMIN_ENDPOINTS } from "./admin-powers.ts";
import { PASSWORD_AND_CODE_METHODS, VERIFY_BACKUP_CODE_PATH, VERIFY_TOTP_PATH } from "./second-factor.ts";

/** The admin powers that ask for step-up: every allowed admin endpoint but the permission question. */
const STEP_UP_PATHS: ReadonlySet<string> = new Set(ADMIN_ENDPOINTS.allowed.filter((path) => path !== "/admin/has-permission"));
const RENEWING_PATHS: ReadonlySet<string> = new Set([VERIFY_TOTP_PATH, VERIFY_BACKUP_CODE_PATH]);

export function stepUp(db: Db, options: { maxAgeSeconds: number }): BetterAuthPlugin {
  return {
    id: "step-up",
    hooks: {
      before: [
        {
          matcher: (context) => STEP_UP_PATHS.has(context.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const sessionId = (await getSessionFromCtx(ctx))?.session.id;
            if (!sessionId) return; // the endpoint answers 401 itself
            const [row] = await db.$queryRaw<{ role: string | null; authMethods: string | null; authTime: number | null; now: number }[]>`
              SELECT "user"."role", "session"."authMethods",
                     extract(epoch FROM "session"."secondFactorAt")::float8 AS "authTime",
                     extract(epoch FROM clock_timestamp())::float8 AS "now"
              FROM "session" JOIN "user" ON "user"."id" = "session"."userId"
              WHERE "session"."id" = ${sessionId}`;
            if (!row || row.role !== "admin") return; // the admin plugin refuses a non-admin itself
            const methods = row.authMethods?.split(" ").filter(Boolean) ?? [];
            if (secondFactorIsRecent(methods, row.authTime, row.now, options.maxAgeSeconds)) return;
            throw new APIError("FORBIDDEN", {
              message: "Confirm it is you with your second factor to do this.",
              code: INSUFFICIENT_USER_AUTHENTICATION,
              maxAge: options.maxAgeSeconds,
            });
          }),
        },
      ],
      after: [
        {
          matcher: (context) => RENEWING_PATHS.has(context.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            // A refused code renews nothing; a sign-in's second step made a new session (stamped already).
            if (ctx.context.returned instanceof APIError || ctx.context.newSession) return;
            const session = (await getSessionFromCtx(ctx))?.session;
            if (!session) return;
            await db.$executeRaw`
              UPDATE "session" SET "authMethods" = ${PASSWORD_AND_CODE_METHODS}, "secondFactorAt" = now()
              WHERE "id" = ${session.id}`;
          }),
        },
      ],
    },
  };
}
