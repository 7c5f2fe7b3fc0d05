// Whether a password someone typed is the account's current one, for the endpoints Better Auth does not check it
// for itself (email-change.ts, adding a passkey in passkeys.ts). Callers check it through the password-guessing
// budget's `confirm`, so each check is counted and audited like Better Auth's own.
import type { createAuthMiddleware } from "better-auth/api";
import { PASSWORD_MAX_LENGTH } from "./password-policy.ts";

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/** The account's password, checked as Better Auth checks it (its validatePassword is not exported). */
export async function isCurrentPassword(ctx: HookContext, userId: string, password: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX_LENGTH) return false; // no hashing of a megabyte
  const account = await ctx.context.internalAdapter.findCredentialAccount(userId);
  if (!account?.password) return false;
  return ctx.context.password.verify({ hash: account.password, password });
}
