// Passkeys (WebAuthn): Better Auth's passkey plugin (@better-auth/passkey, which verifies with SimpleWebAuthn),
// plus what it leaves out.
//  - The relying party is the web app: the rpID is its host name and the only origin accepted is its origin
//    (the first of AUTH_TRUSTED_ORIGINS, where the SPA is), so a passkey made here answers there alone.
//  - Discoverable credentials with user verification. "Sign in with a passkey" asks for no email, so the
//    authenticator must hold the account (a resident key); and a sign-in whose authenticator did not verify
//    the person (no PIN, fingerprint or face; the plugin accepts that) is refused: a passkey sign-in counts as
//    two factors, and the key alone would otherwise open an account that has two-step verification on.
//  - Adding one takes the current password, confirmed first (/passkey/confirm-password, counted and audited
//    like every re-entered password), which opens this session's next registration for five minutes. The plugin asks only for a session begun within a day, so a
//    stolen session cookie could add the thief's own passkey, which a password change would not remove.
//  - Removing one ends the account's other sessions (other-sessions.ts).
//  - The session it makes records amr "swk user mfa" (second-factor.ts, stampAuthMethods): proof of possession
//    of a key, the person present and verified, two factors. "swk", not "hwk": registration asks for no
//    attestation (attestation "none", as nearly every site does), so nothing proves the key is in hardware; the
//    authenticatorAttachment a browser reports is unsigned, and a "platform" passkey is often synced between
//    devices by a password manager. RFC 8176's "hwk" would be a claim the server cannot back.
import { passkey } from "@better-auth/passkey";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthEndpoint, createAuthMiddleware, getSessionFromCtx, sessionMiddleware } from "better-auth/api";
import * as z from "zod";
import { isCurrentPassword } from "./current-password.ts";
import { endOtherSessionsAfter } from "./other-sessions.ts";
import type { PasswordGuessing } from "./password-guessing.ts";

export const PASSKEY_SIGN_IN_PATH = "/passkey/verify-authentication";
export const REGISTRATION_PATH = "/passkey/verify-registration";
/** Where the password is confirmed first, and what it opens, for a while. */
export const CONFIRM_PATH = "/passkey/confirm-password";
const REGISTRATION_PATHS = new Set(["/passkey/generate-register-options", REGISTRATION_PATH]);
const CONFIRMATION_LIFETIME_SECONDS = 5 * 60;
export const DELETE_PATH = "/passkey/delete-passkey";

/** RFC 8176 methods of a passkey sign-in (user verification is required, so always two factors). */
export const PASSKEY_METHODS = "swk user mfa";

export interface PasskeyOptions {
  /** The web app's origin, where the SPA runs the WebAuthn ceremonies. */
  webApp: string;
  /** The name the authenticator shows beside the account. */
  rpName: string;
  guessing: PasswordGuessing;
}

export function passkeys({ webApp, rpName, guessing }: PasskeyOptions): BetterAuthPlugin[] {
  const webAuthn = passkey({
    rpID: new URL(webApp).hostname,
    rpName,
    origin: webApp,
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
    authentication: {
      afterVerification: async ({ ctx, verification }) => {
        // Before the plugin makes the session: a key used without verifying its holder is one factor.
        if (!verification.authenticationInfo.userVerified)
          throw new APIError("UNAUTHORIZED", {
            message: "Your passkey did not verify you (a PIN, fingerprint or face). Set one up on it, or sign in with your password.",
            code: "USER_VERIFICATION_REQUIRED",
          });
        // Stepping up with a passkey while signed in: it must be this person's. Another account's would
        // replace the browser's session with that account's (the web app would switch people unasked).
        const signedIn = await getSessionFromCtx(ctx);
        if (!signedIn) return;
        const used = await ctx.context.adapter.findOne<{ userId: string }>({
          model: "passkey",
          where: [{ field: "credentialID", value: verification.authenticationInfo.credentialID }],
        });
        if (used && used.userId !== signedIn.user.id)
          throw new APIError("FORBIDDEN", {
            message: "That passkey belongs to another account. Use one of yours, or sign out first.",
            code: "PASSKEY_OF_ANOTHER_ACCOUNT",
          });
      },
    },
  }) as BetterAuthPlugin;

  // The password is asked before the authenticator is: checked after it, a wrong one would leave a key on the
  // person's device that the server never stored (a dead passkey that sign-in offers and the server refuses).
  const confirmed = (sessionId: string) => `passkey-password-confirmed:${sessionId}`;
  const requireConfirmation = createAuthMiddleware(async (ctx) => {
    const session = await getSessionFromCtx(ctx);
    if (!session) return; // the plugin answers 401
    const body = ctx.body as { createSession?: unknown } | undefined;
    // The plugin's "and sign in" for passkey-first sign-ups: here there is a session already.
    if (body?.createSession !== undefined)
      throw new APIError("BAD_REQUEST", { message: "Adding a passkey makes no new session.", code: "CREATE_SESSION_NOT_OFFERED" });
    const mark = await ctx.context.internalAdapter.findVerificationValue(confirmed(session.session.id));
    if (!mark || mark.expiresAt < new Date())
      throw new APIError("FORBIDDEN", { message: "Type your password to add a passkey.", code: "PASSWORD_REQUIRED" });
  });
  const confirmPassword = createAuthEndpoint(
    CONFIRM_PATH,
    { method: "POST", body: z.object({ password: z.string() }), use: [sessionMiddleware] },
    async (ctx) => {
      const session = ctx.context.session;
      const who = { userId: session.user.id, sessionId: session.session.id };
      if (!(await guessing.confirm(ctx, who, () => isCurrentPassword(ctx, session.user.id, ctx.body.password))))
        throw new APIError("BAD_REQUEST", { message: "That is not your current password.", code: "INVALID_PASSWORD" });
      await ctx.context.internalAdapter.deleteVerificationByIdentifier(confirmed(session.session.id));
      await ctx.context.internalAdapter.createVerificationValue({
        identifier: confirmed(session.session.id),
        value: session.user.id,
        expiresAt: new Date(Date.now() + CONFIRMATION_LIFETIME_SECONDS * 1000),
      });
      return ctx.json({ confirmed: true });
    },
  );
  const passwordToAdd: BetterAuthPlugin = {
    id: "passkey-takes-password",
    endpoints: { confirmPasswordForPasskey: confirmPassword },
    hooks: {
      before: [{ matcher: (context) => REGISTRATION_PATHS.has(context.path ?? ""), handler: requireConfirmation }],
      after: [
        {
          // One confirmation, one passkey.
          matcher: (context) => context.path === REGISTRATION_PATH,
          handler: createAuthMiddleware(async (ctx) => {
            if (ctx.context.returned instanceof APIError) return;
            const session = await getSessionFromCtx(ctx);
            if (session) await ctx.context.internalAdapter.deleteVerificationByIdentifier(confirmed(session.session.id));
          }),
        },
      ],
    },
  };

  return [webAuthn, passwordToAdd, endOtherSessionsAfter("passkey-removal-ends-other-sessions", new Set([DELETE_PATH]))];
}
