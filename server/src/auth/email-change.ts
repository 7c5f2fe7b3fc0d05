// Changing the account's email, so that a stolen session cookie is not a permanent takeover (move the
// account to the thief's address, then reset the password through it). Around Better Auth's own
// /change-email and its confirmation link (which mails the new address and changes nothing before it is
// opened), this plugin adds:
// - the current password, checked before Better Auth runs, under the account's budget for re-entered
//   passwords and audited (password-guessing.ts), so the check is no way to guess the password;
// - a mail to the old address with a link that undoes the change, before or after it took effect;
// - one pending change per account, held by the auth service: the confirmation link works once, only for
//   the newest request, and not after an undo (Better Auth's link alone is a signed token, valid for 24 h);
// - when the new address confirms: every other session of the account ends (the revocation feed refuses
//   their tokens), and password reset links already mailed die;
// - the undo (POST /undo-email-change with the mailed token and a new password, from the web app's page):
//   back on the old address, a new password (whoever did it knew the old one), every session ended, reset
//   links and the pending change void. An unverified sign-up that took the freed address is removed: the
//   undo link proves the mailbox, that sign-up never did.
// Better Auth's sendChangeEmailConfirmation (the old address approves first, by a GET link) was not used:
// a mail scanner that opens links would approve on the owner's behalf, it offers no undo once done, and it
// locks out whoever lost the old mailbox.
import { randomBytes } from "node:crypto";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthEndpoint, createAuthMiddleware, getSessionFromCtx } from "better-auth/api";
import * as z from "zod";
import { emailChangeRequestedMail } from "../mail/auth-mails.ts";
import { type Mailer, sendInBackground } from "../mail/mailer.ts";
import type { createAuditHooks } from "./audit-hooks.ts";
import { type EmailLinkClaims, emailLinkClaims } from "./email-link-claims.ts";
import { isCurrentPassword } from "./current-password.ts";
import { endOtherSessions } from "./other-sessions.ts";
import type { PasswordGuessing } from "./password-guessing.ts";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem } from "./password-policy.ts";
import type { Logger } from "../logging/logger.ts";

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

export interface EmailChangeOptions {
  /** The web app's address: the undo link opens its /undo-email-change page. */
  webApp: string;
  /** How long the new address's confirmation link works (Better Auth's verification link lifetime). */
  confirmLifetimeSeconds: number;
  mailer: Mailer;
  log: Logger;
  audit: ReturnType<typeof createAuditHooks>;
  guessing: PasswordGuessing;
}

/** How long the old address's undo link works: long enough to notice a change one did not make. */
export const UNDO_LINK_LIFETIME_SECONDS = 7 * 24 * 60 * 60;
/** The error code of a confirmation link that no longer changes anything (used, superseded or undone). */
export const EMAIL_CHANGE_LINK_INVALID = "EMAIL_CHANGE_LINK_INVALID";

const pendingChangeOf = (userId: string) => `email-change:${userId}`;
const undoOf = (token: string) => `undo-email-change:${token}`;

interface PendingChange {
  newEmail: string;
  /** The session that asked: the confirmation ends every other one. */
  sessionId: string;
}

export function emailChange(options: EmailChangeOptions): BetterAuthPlugin {
  const { webApp, confirmLifetimeSeconds, mailer, log, audit, guessing } = options;
  // The confirmation requests that took their pending change in the before hook, for the after hook.
  const confirming = new WeakMap<Request, { userId: string } & PendingChange>();

  const checkPassword = createAuthMiddleware(async (ctx) => {
    const session = await getSessionFromCtx(ctx);
    if (!session) return; // Better Auth answers 401
    const password = (ctx.body as { password?: unknown } | undefined)?.password;
    if (typeof password !== "string" || password === "")
      throw new APIError("BAD_REQUEST", { message: "Type your current password to change your email.", code: "PASSWORD_REQUIRED" });
    const who = { userId: session.user.id, sessionId: session.session.id };
    const right = await guessing.confirm(ctx, who, () => isCurrentPassword(ctx, session.user.id, password));
    if (!right) throw new APIError("BAD_REQUEST", { message: "That is not your current password.", code: "INVALID_PASSWORD" });
  });

  // The same for a taken and a free new address (Better Auth answers both alike and mails only a free one):
  // the old address is told either way, so its owner learns nothing about who has an account.
  const recordAndTellOldAddress = createAuthMiddleware(async (ctx) => {
    if (ctx.context.returned instanceof APIError) return;
    const session = await getSessionFromCtx(ctx);
    const newEmail = (ctx.body as { newEmail?: unknown } | undefined)?.newEmail;
    if (!session || typeof newEmail !== "string") return;
    const { internalAdapter } = ctx.context;
    const pending: PendingChange = { newEmail: newEmail.toLowerCase(), sessionId: session.session.id };
    await internalAdapter.deleteVerificationByIdentifier(pendingChangeOf(session.user.id)); // the newest request wins
    await internalAdapter.createVerificationValue({
      identifier: pendingChangeOf(session.user.id),
      value: JSON.stringify(pending),
      expiresAt: new Date(Date.now() + confirmLifetimeSeconds * 1000),
    });
    const token = randomBytes(32).toString("base64url");
    await internalAdapter.createVerificationValue({
      identifier: undoOf(token),
      value: JSON.stringify({ userId: session.user.id, restore: session.user.email }),
      expiresAt: new Date(Date.now() + UNDO_LINK_LIFETIME_SECONDS * 1000),
    });
    const undoLink = new URL("/undo-email-change", webApp);
    undoLink.searchParams.set("token", token);
    await sendInBackground(mailer, emailChangeRequestedMail(session.user.email, pending.newEmail, undoLink.toString()), log);
    await audit.emailChangeRequested(ctx, session);
  });

  const takePendingChange = createAuthMiddleware(async (ctx) => {
    const claims = await changeClaims(ctx);
    if (!claims || !ctx.request) return; // not an email change's link: Better Auth's own answer
    const refuse = () => refusal(ctx);
    if (claims.requestType !== "change-email-verification") throw refuse();
    // Better Auth's own checks first, so a link it would refuse anyway does not spend the pending change.
    const user = await ctx.context.internalAdapter.findUserById(claims.userId);
    if (!user || user.email.toLowerCase() !== claims.email) return;
    const session = await getSessionFromCtx(ctx);
    if (session && session.user.id !== user.id) return;
    const stored = await ctx.context.internalAdapter.findVerificationValue(pendingChangeOf(user.id));
    const pending = stored ? (JSON.parse(stored.value) as PendingChange) : null;
    if (!stored || stored.expiresAt < new Date() || pending?.newEmail !== claims.updateTo) throw refuse();
    if (!(await ctx.context.internalAdapter.consumeVerificationValue(pendingChangeOf(user.id)))) throw refuse(); // a race: the other one won
    confirming.set(ctx.request, { userId: user.id, ...pending });
  });

  const endOtherSessionsOnConfirm = createAuthMiddleware(async (ctx) => {
    const change = ctx.request ? confirming.get(ctx.request) : undefined;
    if (!change) return;
    const { internalAdapter } = ctx.context;
    const user = await internalAdapter.findUserById(change.userId);
    if (user?.email !== change.newEmail) return; // Better Auth did not make the change
    await endOtherSessions(ctx, change.userId, change.sessionId);
    await voidPasswordResetLinks(ctx, change.userId);
  });

  const undoEmailChange = createAuthEndpoint(
    "/undo-email-change",
    { method: "POST", body: z.object({ token: z.string().min(1).max(200), newPassword: z.string() }) },
    async (ctx) => {
      const { token, newPassword } = ctx.body;
      const { internalAdapter } = ctx.context;
      const invalid = () => new APIError("BAD_REQUEST", { message: "This link has expired or was already used.", code: "INVALID_TOKEN" });
      const stored = await internalAdapter.findVerificationValue(undoOf(token));
      if (!stored || stored.expiresAt < new Date()) throw invalid();
      const { userId, restore } = JSON.parse(stored.value) as { userId: string; restore: string };
      const user = await internalAdapter.findUserById(userId);
      if (!user) throw invalid();
      if (newPassword.length < PASSWORD_MIN_LENGTH)
        throw new APIError("BAD_REQUEST", { message: `At least ${PASSWORD_MIN_LENGTH} characters.`, code: "PASSWORD_TOO_SHORT" });
      if (newPassword.length > PASSWORD_MAX_LENGTH)
        throw new APIError("BAD_REQUEST", { message: `At most ${PASSWORD_MAX_LENGTH} characters.`, code: "PASSWORD_TOO_LONG" });
      const problem = passwordProblem(newPassword, { email: restore, name: user.name });
      if (problem) throw new APIError("BAD_REQUEST", { message: problem, code: "PASSWORD_TOO_COMMON" });
      const holder = user.email === restore ? null : await internalAdapter.findUserByEmail(restore);
      if (holder?.user.emailVerified)
        throw new APIError("CONFLICT", { message: "That address now belongs to another verified account.", code: "ADDRESS_TAKEN" });
      if (!(await internalAdapter.consumeVerificationValue(undoOf(token)))) throw invalid();

      if (holder) await internalAdapter.deleteUser(holder.user.id);
      if (user.email !== restore) await internalAdapter.updateUser(userId, { email: restore, emailVerified: true });
      const hash = await ctx.context.password.hash(newPassword);
      if (await internalAdapter.findCredentialAccount(userId)) await internalAdapter.updatePassword(userId, hash);
      else await internalAdapter.createAccount({ userId, providerId: "credential", accountId: userId, password: hash });
      await internalAdapter.deleteVerificationByIdentifier(pendingChangeOf(userId));
      await voidPasswordResetLinks(ctx, userId);
      await internalAdapter.deleteUserSessions(userId);
      await audit.emailChangeUndone(userId, { restored: user.email !== restore, squatterRemoved: holder !== null }, ctx.request);
      return ctx.json({ status: true });
    },
  );

  return {
    id: "email-change",
    endpoints: { undoEmailChange },
    hooks: {
      before: [
        { matcher: (ctx) => ctx.path === "/change-email", handler: checkPassword },
        { matcher: (ctx) => ctx.path === "/verify-email", handler: takePendingChange },
      ],
      after: [
        { matcher: (ctx) => ctx.path === "/change-email", handler: recordAndTellOldAddress },
        { matcher: (ctx) => ctx.path === "/verify-email", handler: endOtherSessionsOnConfirm },
      ],
    },
  };
}

/** The claims of a genuine email-change link (one that names a new address and the account), or null. */
async function changeClaims(ctx: HookContext): Promise<(EmailLinkClaims & { updateTo: string; userId: string }) | null> {
  const claims = await emailLinkClaims(ctx);
  if (!claims?.updateTo || !claims.userId) return null;
  return { ...claims, updateTo: claims.updateTo, userId: claims.userId };
}

/** A confirmation link that changes nothing: back to the page it was headed to (a trusted one), saying why. */
function refusal(ctx: HookContext): Error {
  const callbackURL = (ctx.query as { callbackURL?: unknown } | undefined)?.callbackURL;
  if (typeof callbackURL === "string" && URL.canParse(callbackURL) && ctx.context.isTrustedOrigin(callbackURL)) {
    const landing = new URL(callbackURL);
    landing.searchParams.set("error", EMAIL_CHANGE_LINK_INVALID);
    return ctx.redirect(landing.toString());
  }
  return new APIError("BAD_REQUEST", { message: "This link no longer changes the address.", code: EMAIL_CHANGE_LINK_INVALID });
}

/** Password reset links already mailed (Better Auth's reset-password:<token> rows, valued with the user id). */
async function voidPasswordResetLinks(ctx: HookContext, userId: string): Promise<void> {
  await ctx.context.adapter.deleteMany({
    model: "verification",
    where: [
      { field: "identifier", operator: "starts_with", value: "reset-password:" },
      { field: "value", value: userId },
    ],
  });
}
