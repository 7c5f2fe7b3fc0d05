// A verification link signs in only the browser that signed up for it (login CSRF: anyone can mail or
// send someone else their own fresh link, and a plain GET would otherwise switch that person's browser into
// the sender's account). The sign-up answer sets a signed, httpOnly cookie naming the typed address (as a
// hash); the link signs in a browser that carries it for that address and has no session of another
// account, at the moment the link verifies. Every other browser gets the address verified and lands on the
// sign-in page, told so (`verified=1`), or told that the link had been used before (`verified=earlier`).
// Better Auth's own autoSignInAfterVerification stays off: it signs in any browser.
import { createHash } from "node:crypto";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware, getSessionFromCtx } from "better-auth/api";
import { expireCookie, setSessionCookie } from "better-auth/cookies";
import { type EmailLinkClaims, emailLinkClaims } from "./email-link-claims.ts";

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

export interface SignUpBrowserOptions {
  /** How long the binding lasts: the verification link's lifetime. */
  lifetimeSeconds: number;
  /** The web app's address, where a browser that is not signed in by the link lands. */
  webApp: string;
}

const COOKIE = "sign_up_browser";

/** The cookie's value names the address by its hash: the browser holds no address in clear. */
const addressHash = (email: string) => createHash("sha256").update(email.trim().toLowerCase()).digest("base64url");

export function signUpBrowser({ lifetimeSeconds, webApp }: SignUpBrowserOptions): BetterAuthPlugin {
  // The requests whose link verified an address just now (the before hook saw it unverified): only such a
  // request may sign in, so an old link re-opened later is not a way in.
  const verifyingNow = new WeakMap<Request, string>();
  const cookieOf = (ctx: HookContext) => ctx.context.createAuthCookie(COOKIE, { maxAge: lifetimeSeconds });

  const bindBrowser = createAuthMiddleware(async (ctx) => {
    if (ctx.context.returned instanceof APIError) return;
    const email = (ctx.body as { email?: unknown } | undefined)?.email;
    // Only a sign-up sent by a page of a trusted origin binds its browser: another site's form cannot plant
    // a binding for its own address in a visitor's browser.
    const origin = ctx.headers?.get("origin");
    if (typeof email !== "string" || !origin || !ctx.context.isTrustedOrigin(origin)) return;
    // The same for an address that has an account and one that does not: it depends on the typed address only.
    const expiresAt = Math.floor(Date.now() / 1000) + lifetimeSeconds;
    const cookie = cookieOf(ctx);
    await ctx.setSignedCookie(cookie.name, `${addressHash(email)}.${expiresAt}`, ctx.context.secret, cookie.attributes);
  });

  const isBound = async (ctx: HookContext, email: string): Promise<boolean> => {
    const value = await ctx.getSignedCookie(cookieOf(ctx).name, ctx.context.secret);
    if (!value) return false;
    const [hash, expiresAt] = value.split(".");
    return hash === addressHash(email) && Number(expiresAt) > Date.now() / 1000;
  };

  const noteFirstVerification = createAuthMiddleware(async (ctx) => {
    const claims = await firstVerificationClaims(ctx);
    if (!claims || !ctx.request) return;
    const found = await ctx.context.internalAdapter.findUserByEmail(claims.email);
    if (found && !found.user.emailVerified && (!claims.userId || claims.userId === found.user.id))
      verifyingNow.set(ctx.request, found.user.id);
  });

  const signInTheSignUpBrowser = createAuthMiddleware(async (ctx) => {
    const claims = await firstVerificationClaims(ctx);
    if (!claims || !isPlainSuccess(ctx.context.returned)) return; // a failed link keeps Better Auth's answer
    const found = await ctx.context.internalAdapter.findUserByEmail(claims.email);
    if (!found?.user.emailVerified) return;
    const user = found.user;
    const session = await getSessionFromCtx(ctx);
    if (session?.user.id === user.id) return; // already this account's browser
    const verifiedNow = ctx.request !== undefined && verifyingNow.get(ctx.request) === user.id;
    if (verifiedNow && !session && (await isBound(ctx, claims.email))) {
      const created = await ctx.context.internalAdapter.createSession(user.id);
      await setSessionCookie(ctx, { session: created, user });
      expireCookie(ctx, cookieOf(ctx));
      return;
    }
    throw ctx.redirect(signInLanding(ctx, webApp, verifiedNow ? "1" : "earlier"));
  });

  return {
    id: "sign-up-browser",
    hooks: {
      before: [{ matcher: (ctx) => ctx.path === "/verify-email", handler: noteFirstVerification }],
      after: [
        { matcher: (ctx) => ctx.path === "/sign-up/email", handler: bindBrowser },
        { matcher: (ctx) => ctx.path === "/verify-email", handler: signInTheSignUpBrowser },
      ],
    },
  };
}

/** The claims of a genuine first-verification link (not an email change's), or null. */
async function firstVerificationClaims(ctx: HookContext): Promise<EmailLinkClaims | null> {
  const claims = await emailLinkClaims(ctx);
  return claims && claims.updateTo === undefined ? claims : null;
}

/** The endpoint's answer was its success: JSON, or the redirect to the callback (an error one names it). */
function isPlainSuccess(returned: unknown): boolean {
  if (!(returned instanceof APIError)) return true;
  const location = new Headers(returned.headers).get("location");
  return returned.statusCode === 302 && location !== null && !new URL(location, "http://relative.invalid").searchParams.has("error");
}

/**
 * The sign-in page of the web app the link was headed to (a trusted origin), with where it was headed. The web
 * app's links head for its sign-in page already (with their own `next`, so that a failed link's `?error=` lands
 * where it is explained): that page's `next` is kept, not nested.
 */
function signInLanding(ctx: HookContext, webApp: string, verified: "1" | "earlier"): string {
  const callbackURL = (ctx.query as { callbackURL?: unknown } | undefined)?.callbackURL;
  const heading =
    typeof callbackURL === "string" && ctx.context.isTrustedOrigin(callbackURL) ? new URL(callbackURL, webApp) : new URL("/", webApp);
  const landing = new URL("/sign-in", heading.origin);
  landing.searchParams.set("verified", verified);
  const next = heading.pathname === "/sign-in" ? heading.searchParams.get("next") : heading.pathname + heading.search;
  if (next && next !== "/") landing.searchParams.set("next", next);
  return landing.toString();
}
