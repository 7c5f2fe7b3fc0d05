// Device cookies (OWASP's "Slow Down Online Guessing Attacks with Device Cookies"): a browser that has
// signed in to an account before carries a signed, httpOnly cookie naming that account, and its password
// checks are counted against a budget of that device's own. Strangers, who have no such cookie for the
// account, share the account's budget for unknown clients, so they can exhaust only that one: they can
// neither guess without bound nor keep the owner out of a browser the owner has used before.
// The cookie names accounts by a keyed hash of the address (never the address itself) and carries a
// random device id; Better Auth signs it with BETTER_AUTH_SECRET, so it cannot be made up or edited.
import { createHash, randomBytes } from "node:crypto";
import type { createAuthMiddleware } from "better-auth/api";

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

export interface KnownDevice {
  id: string;
  /** Account keys (accountKey) this browser has signed in to, most recent first. */
  accounts: string[];
}

const COOKIE = "known_device";
/** A device is remembered for a year after its latest sign-in. */
const MAX_AGE_SECONDS = 365 * 24 * 60 * 60;
/** Accounts one browser remembers (shared family computers); the oldest is forgotten first. */
const MAX_ACCOUNTS = 5;

/** An account as the budgets and the cookie name it: a hash of the address as typed, lower-cased. */
export function accountKey(email: string): string {
  return createHash("sha256").update(email.trim().toLowerCase()).digest("base64url").slice(0, 22);
}

function cookieOf(ctx: HookContext) {
  // Only the auth service's paths need it: no other request carries it.
  return ctx.context.createAuthCookie(COOKIE, { maxAge: MAX_AGE_SECONDS, path: "/api/auth", httpOnly: true, sameSite: "lax" });
}

/** The device this request comes from, if its cookie is there and its signature holds. */
export async function knownDevice(ctx: HookContext): Promise<KnownDevice | null> {
  const value = await ctx.getSignedCookie(cookieOf(ctx).name, ctx.context.secret);
  if (typeof value !== "string") return null;
  const [id, list] = value.split(":");
  if (!id || list === undefined) return null;
  return { id, accounts: list.split(",").filter(Boolean) };
}

/** After a sign-in (or a completed password reset) in this browser: it is a known device for the account. */
export async function rememberDevice(ctx: HookContext, email: string): Promise<void> {
  const device = await knownDevice(ctx);
  const key = accountKey(email);
  const accounts = [key, ...(device?.accounts ?? []).filter((other) => other !== key)].slice(0, MAX_ACCOUNTS);
  const cookie = cookieOf(ctx);
  await ctx.setSignedCookie(
    cookie.name,
    `${device?.id ?? randomBytes(16).toString("base64url")}:${accounts.join(",")}`,
    ctx.context.secret,
    cookie.attributes,
  );
}
