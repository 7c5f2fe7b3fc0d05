// The auth service: Better Auth with email and password, the admin plugin (who is admin lives in the
// user table and only an operator changes it) and the JWT plugin that issues the API's bearer tokens.
import { betterAuth, type BetterAuthOptions } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { APIError, createAuthMiddleware, getSessionFromCtx } from "better-auth/api";
import { verifyPassword } from "better-auth/crypto";
import { admin, jwt } from "better-auth/plugins";
import { SignJWT, type JWTPayload } from "jose";
import type { AuthConfig } from "../config.ts";
import { type Db, sqlPoolOf } from "../db/client.ts";
import { databaseHealthOf } from "../db/sql-pool.ts";
import { isDatabaseUnreachable } from "../db/database-outage.ts";
import { errorsToConsole, type Logger } from "../logging/logger.ts";
import { maskEmailsIn } from "../logging/mask-email.ts";
import { confirmNewEmailMail, existingAccountMail, resetPasswordMail, verifyEmailMail } from "../mail/auth-mails.ts";
import { type Mailer, sendInBackground } from "../mail/mailer.ts";
import { CLIENT_IP_HEADER } from "../net/client-address.ts";
import { createRateLimitStore, type RateLimitStore } from "../rate-limit/limiter.ts";
import { createPasswordCheckBudget, UNLIMITED_PASSWORD_CHECKS } from "./account-sign-in-budget.ts";
import { adminAccess } from "./admin-powers.ts";
import { AUTH_ENDPOINTS } from "./endpoints.ts";
import { createAuditHooks } from "./audit-hooks.ts";
import { createPasswordGuessing } from "./password-guessing.ts";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem } from "./password-policy.ts";
import { pruneRevocationEvents } from "../token-verification/revocation-events.ts";
import { passkeys } from "./passkeys.ts";
import { createSecondFactor, stampAuthMethods } from "./second-factor.ts";
import { stepUp } from "./step-up.ts";
import { sessionTokenPrivacy } from "./session-token-privacy.ts";
import { retireKeysUnreadableWith } from "./signing-keys.ts";
import { tokenClaims } from "./token-claims.ts";
import { createDpopBinding } from "./dpop-binding.ts";
import { createDpopProofVerifier } from "../token-verification/dpop-proof.ts";
import { createProofReplayStore } from "../db/dpop-proof-use.ts";
import { signUpBrowser } from "./sign-up-browser.ts";
import { emailChange } from "./email-change.ts";

/** How long a password reset link works. */
const RESET_LINK_LIFETIME_SECONDS = 30 * 60;
/** The answer to every accepted sign-up, new address or taken: the rest happens by mail. */
const SIGN_UP_ANSWER = { token: null, verification: "sent" } as const;

/** What the passkey plugin logs when it refuses an authenticator's answer (its routes.ts). */
const PASSKEY_REFUSALS = new Set(["Failed to verify authentication", "Failed to verify registration"]);

/** What Better Auth logs as a warning when a client typed something wrong: no fault of the service's. */
const CLIENT_MISTAKES = new Set([
  "Invalid password",
  "User not found",
  "Password not found",
  "Credential account not found",
  "Reset Password: User not found",
  "Password is too short",
  "Password is too long",
]);

/** Endpoints that mail a verification link. */
const VERIFICATION_SENDERS = new Set(["/sign-up/email", "/send-verification-email"]);

/** How long a verification link works. */
const VERIFY_LINK_LIFETIME_SECONDS = 24 * 60 * 60;

/** Endpoints that take a new password from the person typing it. */
const NEW_PASSWORD_PATHS = new Set(["/sign-up/email", "/reset-password", "/change-password"]);

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

export interface AuthServices {
  /** Where the auth service's mail goes: SMTP_URL's server, or the development catcher (open-mail.server.ts). */
  mailer: Mailer;
  /** The auth service's logger (a child { service: "auth" }); default: errors only, to console.error. */
  logger?: Logger;
  /** Told of every password Better Auth checks against a stored hash (sign-in and re-entered passwords). */
  onPasswordCheck?: () => void;
}

export function createAuth(db: Db, config: AuthConfig, { mailer, logger = errorsToConsole(), onPasswordCheck }: AuthServices) {
  const log = (message: string) => logger.warn(message);
  const mailLog = logger.child({ component: "mail" });
  const betterAuthLog = logger.child({ component: "better-auth" });
  // Each request's id (set by the auth app, app.ts), for lines written below the app about one request.
  const requestIds = new WeakMap<Request, string>();
  // Before the first token is signed: retire keys the current BETTER_AUTH_SECRET cannot decrypt (after
  // a secret change), so the plugin mints a new key instead of failing every token request.
  let keysChecked: Promise<void> | undefined;
  const checkKeys = () =>
    (keysChecked ??= retireKeysUnreadableWith(db, config.secret).then(
      (retired) => {
        if (retired > 0) log(`Retired ${retired} signing key(s) that BETTER_AUTH_SECRET cannot decrypt; a new key will be minted.`);
      },
      (error: unknown) => {
        keysChecked = undefined; // a failed check (database briefly away) is tried again by the next request
        throw error;
      },
    ));

  // Revocation events are written by database triggers; the auth service only drops the ones no token
  // can be affected by any more, at most once a minute, when a session starts.
  let lastPruneAt = 0;
  const pruneRevocations = async () => {
    if (Date.now() - lastPruneAt < 60_000) return;
    lastPruneAt = Date.now();
    await pruneRevocationEvents(db, config.revocationRetentionMs);
  };

  const audit = createAuditHooks(db, (request, userId, reason) =>
    logger.info({ requestId: request && requestIds.get(request), userId, reason }, "sign-in failed"),
  );
  // Without a rate-limit config (tests of other things), the plugin's own lockout numbers, which are the
  // failed sign-in budget's defaults.
  const secondFactor = createSecondFactor(
    db,
    { failures: config.rateLimit?.accountFailures ?? { max: 10, windowSeconds: 900 } },
    { codeRefused: (ctx, who, reason) => audit.codeRefused(ctx, who, reason) },
  );

  // One store for the auth service's budgets: Better Auth's per-IP limits (with Redis) and the account's.
  let store: RateLimitStore | undefined;
  const rateLimitStore = () =>
    (store ??= createRateLimitStore(config.rateLimit?.redisUrl, (error) => log(`rate-limit store unavailable: ${String(error)}`)));
  const accountFailures = config.rateLimit?.accountFailures;
  // Without a budget (tests of other things), password checks are only audited, never refused.
  const passwordGuessing = createPasswordGuessing(
    accountFailures && accountFailures.max > 0 ? createPasswordCheckBudget(rateLimitStore(), accountFailures) : UNLIMITED_PASSWORD_CHECKS,
    {
      signInLocked: (ctx) => audit.signInFailed(ctx, "account_locked"),
      confirmationFailed: (ctx, who, reason) => audit.passwordConfirmationFailed(ctx, who, reason),
    },
  );
  // Password resets in progress, by request: whose password it is, for the after hook.
  const resetting = new WeakMap<object, string>();
  // Sign-ups in progress, by request: when they started, for the minimum answer time.
  const signUpStarted = new WeakMap<object, number>();

  // The web app's address: where mailed links land and "someone tried to sign up with your address" points.
  const webApp = config.trustedOrigins[0] ?? config.baseURL;
  const signInPage = `${webApp}/sign-in`;

  const instance = betterAuth({
    appName: "Tasks",
    baseURL: config.baseURL,
    basePath: "/api/auth",
    secret: config.secret,
    trustedOrigins: config.trustedOrigins,
    database: prismaAdapter(db, { provider: "postgresql" }),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: PASSWORD_MIN_LENGTH,
      maxPasswordLength: PASSWORD_MAX_LENGTH,
      // Better Auth's own scrypt check, counted: how the budget tests count the guesses that were checked.
      password: {
        verify: (data) => {
          onPasswordCheck?.();
          return verifyPassword(data);
        },
      },
      // No session until the address is verified. With this on, Better Auth answers a sign-up with a taken
      // address like a new one (after hashing the password as a new one would), and calls
      // onExistingUserSignUp instead of creating anything.
      requireEmailVerification: true,
      onExistingUserSignUp: async ({ user }) => sendInBackground(mailer, existingAccountMail(user.email, signInPage), mailLog),
      resetPasswordTokenExpiresIn: RESET_LINK_LIFETIME_SECONDS,
      // A reset ends every session of the user, and with them their tokens (revocation feed).
      revokeSessionsOnPasswordReset: true,
      sendResetPassword: async ({ user, url }) => sendInBackground(mailer, resetPasswordMail(user.email, url), mailLog),
      onPasswordReset: async ({ user }, request) => audit.passwordReset(user.id, request),
    },
    user: {
      // A new address takes effect only once its owner opens the link mailed to it (Better Auth mails the
      // new address through sendVerificationEmail and changes nothing before). email-change.ts adds the
      // password check, the undo mail to the old address, and ends the other sessions.
      changeEmail: { enabled: true },
      // Deleting asks for the password (the endpoint checks it); the user's tasks go with the row (foreign
      // key cascade), their sessions too, and the revocation feed refuses their tokens.
      deleteUser: { enabled: true, afterDelete: async (user, request) => audit.accountDeleted(user.id, request) },
    },
    emailVerification: {
      sendOnSignUp: true,
      // A sign-in before verifying is refused with EMAIL_NOT_VERIFIED; the SPA offers to send the link again
      // (/send-verification-email, under the sign-up budget) rather than mailing at every attempt.
      sendOnSignIn: false,
      // Off: Better Auth would sign in whatever browser opens the link. sign-up-browser.ts signs in only the
      // browser that signed up for it.
      autoSignInAfterVerification: false,
      expiresIn: VERIFY_LINK_LIFETIME_SECONDS,
      // Better Auth sends both kinds through here: a sign-up's (the user is not verified yet) and an email
      // change's (a verified user, with the new address as `email`).
      sendVerificationEmail: async ({ user, url }) =>
        sendInBackground(mailer, user.emailVerified ? confirmNewEmailMail(user.email, url) : verifyEmailMail(user.email, url), mailLog),
      afterEmailVerification: async (user, request) => audit.emailVerified(user.id, request),
    },
    telemetry: { enabled: false },
    // Errors that are not Better Auth's own answers reach the app (auth/app.ts), which answers a database
    // outage 503 SERVICE_BUSY and anything else a 500 with an id, instead of Better Auth's bare 500.
    onAPIError: { throw: true },
    // Better Auth's own warnings and errors, as it prints them, except an outage's: the database health
    // says that once rather than per request.
    logger: {
      log: (level, message, ...args) => {
        if (level === "error" && args.some(isDatabaseUnreachable)) return;
        // The passkey plugin logs a WebAuthn answer it refused (another origin, a bad signature) as an error:
        // that is a client's mistake or an attack, answered 400, and a warning says so.
        const refusal = PASSKEY_REFUSALS.has(message);
        // A wrong password or an unknown address: a client's mistake, said with its request id by the
        // "sign-in failed" line (audit-hooks.ts); Better Auth's own line, which has no id, only at debug.
        if (CLIENT_MISTAKES.has(message)) return betterAuthLog.debug(message);
        // Better Auth's lines do not know their request; their text is Better Auth's, emails masked.
        const text = maskEmailsIn([message, ...args.map(String)].join(" "));
        if (level === "error" && !refusal) betterAuthLog.error(text);
        else if (level === "error" || level === "warn") betterAuthLog.warn(text);
        else betterAuthLog[level](text);
      },
    },
    // Endpoints this project does not use answer 404 (endpoints.ts), admin powers it does not grant among
    // them (admin-powers.ts), whatever the role says. The auth app refuses them before Better Auth, too.
    disabledPaths: [...AUTH_ENDPOINTS.refused],
    rateLimit: rateLimitOptions(config, rateLimitStore),
    advanced: {
      // Our HTTP server sets this header to the client's address, one value, overwriting whatever a client
      // sent (peer address, or behind TRUSTED_PROXIES the first untrusted hop: net/client-address.ts).
      // Better Auth's own trustedProxies stays unset: it reads the chain without knowing the peer.
      // IPv6 clients share one budget per /64, like the API's.
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER], ipv6Subnet: 64 },
      useSecureCookies: config.production,
    },
    session: {
      // How the session was authenticated (second-factor.ts), for the tokens' amr and auth_time. Set by the
      // server alone: no endpoint takes them as input.
      additionalFields: {
        authMethods: { type: "string", required: false, input: false },
        secondFactorAt: { type: "date", required: false, input: false },
      },
    },
    databaseHooks: {
      ...audit.databaseHooks,
      session: { create: { before: stampAuthMethods, after: pruneRevocations }, ...audit.databaseHooks?.session },
    },
    hooks: {
      before: createAuthMiddleware(async (context) => {
        // First: a request refused for its second-factor code has spent nothing else.
        await secondFactor.before(context);
        if (context.path === "/sign-up/email" && context.request) signUpStarted.set(context.request, Date.now());
        if (context.path === "/token" || context.path === "/get-session") await checkKeys();
        if (context.path === "/delete-user") refuseDeletionWithoutPassword(context.body);
        await passwordGuessing.before(context);
        if (NEW_PASSWORD_PATHS.has(context.path)) {
          const body = (context.body ?? {}) as { password?: unknown; newPassword?: unknown };
          const password = typeof body.newPassword === "string" ? body.newPassword : body.password;
          const owner = await passwordOwner(context);
          const problem = typeof password === "string" ? passwordProblem(password, owner) : null;
          if (problem) throw new APIError("BAD_REQUEST", { message: problem, code: "PASSWORD_TOO_COMMON" });
          if (context.path === "/reset-password" && owner.email && context.request) resetting.set(context.request, owner.email);
        }
        // Last, after every check above: a verification link must land on the web app. Without a callbackURL
        // (a sign-up with curl) Better Auth would send the browser to "/" of the auth service itself.
        if (VERIFICATION_SENDERS.has(context.path) && !(context.body as { callbackURL?: unknown } | undefined)?.callbackURL) {
          return { context: { body: { ...(context.body as object), callbackURL: `${webApp}/` } } };
        }
      }),
      after: createAuthMiddleware(async (context) => {
        await passwordGuessing.after(context);
        const resetFor = context.path === "/reset-password" && context.request ? resetting.get(context.request) : undefined;
        if (resetFor && !(context.context.returned instanceof APIError)) await passwordGuessing.passwordReset(context, resetFor);
        await audit.afterEndpoint(context);
        // A taken address makes no rows, so its sign-up is quicker: both answer no sooner than the floor (as
        // Better Auth's /send-verification-email does), or the time would tell which addresses have accounts.
        const startedAt = context.request ? signUpStarted.get(context.request) : undefined;
        if (startedAt !== undefined) await waitUntil(startedAt + config.signUpMinimumMs);
        // Better Auth answers a taken address with a made-up user (its own id and times), so the two answers
        // differ in bytes. Both become the same fixed answer: nothing in it says which one it was.
        if (context.path === "/sign-up/email" && !(context.context.returned instanceof APIError)) return context.json(SIGN_UP_ANSWER);
      }),
    },
    plugins: [
      signUpBrowser({ lifetimeSeconds: VERIFY_LINK_LIFETIME_SECONDS, webApp }),
      emailChange({
        webApp,
        confirmLifetimeSeconds: VERIFY_LINK_LIFETIME_SECONDS,
        mailer,
        log: mailLog,
        audit,
        guessing: passwordGuessing,
      }),
      admin({ defaultRole: "user", adminRoles: ["admin"], ...adminAccess }),
      ...secondFactor.plugins,
      ...passkeys({ webApp, rpName: "Tasks", guessing: passwordGuessing }),
      // Admin powers ask for a recent second factor; a code verified while signed in renews it (step-up.ts).
      stepUp(db, { maxAgeSeconds: config.stepUpMaxAgeSeconds }),
      // No session token in any answer a script can read; sessions are ended by id (session-token-privacy.ts).
      sessionTokenPrivacy(),
      jwt({
        jwks: config.sharedSecret
          ? // Shared-secret mode publishes no keys: remoteUrl turns the /jwks endpoint off (it answers 404).
            { remoteUrl: `${config.baseURL}/api/auth/jwks`, keyPairConfig: { alg: "EdDSA" } }
          : { keyPairConfig: { alg: "EdDSA", crv: "Ed25519" } },
        // Tokens come from /token alone: no JWT in get-session's set-auth-jwt header (the SPA never reads it).
        disableSettingJwtHeader: true,
        jwt: {
          issuer: config.issuer,
          audience: config.audience,
          expirationTime: config.expirationTime,
          // Only what the API needs: by default the plugin would put the whole user object in the token.
          // `sub` (the user id), exp, iss and aud are added by the plugin; `sid` names the session, so ending
          // the session ends its tokens at every API instance (revocation-feed.ts); role, iat and the ban
          // are read from the database as the token is signed (token-claims.ts).
          definePayload: tokenClaims(db),
          sign: config.sharedSecret ? hs256Signer(config.sharedSecret) : undefined,
        },
      }),
    ],
  });
  // The app answers an outage 503 by what the pool saw (auth/app.ts),
  // and gives back a password check's unit when a request fails before its after hook (password-guessing.ts).
  const dpopBinding = createDpopBinding({
    proofs: createDpopProofVerifier(createProofReplayStore(sqlPoolOf(db))),
    policy: config.dpop,
    baseURL: config.baseURL,
    log: (message, request) => logger.info({ requestId: requestIds.get(request) }, message),
  });
  return Object.assign(instance, { databaseHealth: databaseHealthOf(sqlPoolOf(db)), passwordGuessing, dpopBinding, logger, requestIds });
}

export type Auth = ReturnType<typeof createAuth>;

/**
 * Sign-in and sign-up attempts per client IP per minute. Better Auth keeps the counters in memory, or
 * in Redis through the shared store when REDIS_URL is set. Without a rateLimit config (tests), Better
 * Auth's own default applies: on in production only.
 */
function rateLimitOptions(config: AuthConfig, rateLimitStore: () => RateLimitStore): BetterAuthOptions["rateLimit"] {
  const limits = config.rateLimit;
  if (!limits) return undefined;
  const rule = (max: number) => (max > 0 ? { window: 60, max } : (false as const));
  return {
    enabled: true,
    window: 60,
    max: 300,
    customRules: {
      "/sign-in/email": rule(limits.signInPerMinute),
      "/sign-up/email": rule(limits.signUpPerMinute),
      // Each one sends a mail: the sign-up budget, so no one can mail-bomb an address through us.
      "/request-password-reset": rule(limits.signUpPerMinute),
      "/send-verification-email": rule(limits.signUpPerMinute),
    },
    ...(limits.redisUrl
      ? {
          customStorage: {
            async consume(key, { window, max }) {
              const decision = await rateLimitStore().consume("auth", { max, windowSeconds: window }, key);
              return { allowed: decision.allowed, retryAfter: decision.allowed ? null : decision.retryAfterSeconds };
            },
          },
        }
      : { storage: "memory" as const }),
  };
}

function waitUntil(time: number): Promise<void> {
  const remaining = time - Date.now();
  return remaining > 0 ? new Promise((resolve) => setTimeout(resolve, remaining)) : Promise.resolve();
}

/**
 * Deleting the account takes the password, always: Better Auth would also accept a "fresh" session alone
 * (so a stolen cookie could delete the account) or a deletion token (this project mails none).
 */
function refuseDeletionWithoutPassword(body: unknown): void {
  const { password, token } = (body ?? {}) as { password?: unknown; token?: unknown };
  if (typeof password === "string" && password !== "" && token === undefined) return;
  throw new APIError("BAD_REQUEST", { message: "Enter your password to delete your account.", code: "PASSWORD_REQUIRED" });
}

/**
 * Whose password a new password is, for the policy's "not your email or name": the sign-up's typed
 * address and name, the reset link's user, or the signed-in user changing it. Before hooks run before
 * Better Auth loads the session, so it is read here.
 */
async function passwordOwner(ctx: HookContext): Promise<{ email?: string; name?: string }> {
  const body = (ctx.body ?? {}) as { email?: unknown; name?: unknown; token?: unknown };
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  if (ctx.path === "/sign-up/email") return { email: text(body.email), name: text(body.name) };
  if (ctx.path === "/reset-password") {
    const token = text(body.token) ?? text((ctx.query as { token?: unknown } | undefined)?.token);
    const verification = token ? await ctx.context.internalAdapter.findVerificationValue(`reset-password:${token}`) : null;
    const user = verification ? await ctx.context.internalAdapter.findUserById(verification.value) : null;
    return { email: user?.email, name: user?.name };
  }
  const session = await getSessionFromCtx(ctx);
  return { email: session?.user.email, name: session?.user.name };
}

/** The opt-in shared-secret mode: HS256 with one secret both services hold, and no other algorithm. */
function hs256Signer(secret: string) {
  const key = new TextEncoder().encode(secret);
  return (payload: JWTPayload) => new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(key);
}
