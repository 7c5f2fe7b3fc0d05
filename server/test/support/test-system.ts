// A whole system per test file: its own database, the real auth service over HTTP on a free port, and
// the API app called in-process through its fetch. The API fetches the auth service's real JWKS across
// that HTTP boundary, exactly as in production. Users and tokens are made through the real endpoints.
import { cookiesAfter } from "../../conformance/cookie-jar.ts";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Server } from "node:http";
import { createApiApp, type ApiApp } from "../../src/api/app.ts";
import { createAuthApp, type AuthApp } from "../../src/auth/app.ts";
import { type AuthServices, createAuth } from "../../src/auth/auth.ts";
import { setRole } from "../../src/auth/roles.ts";
import { apiConfig, authConfig, type ApiConfig, type AuthConfig } from "../../src/config.ts";
import { createDb, type Db, sqlPoolOf } from "../../src/db/client.ts";
import type { SqlPool } from "../../src/db/sql-pool.ts";
import { readEnv } from "../../src/env.ts";
import { close, listen } from "../../src/http-server.ts";
import type { MailCatcher } from "../../src/mail/mail-catcher.server.ts";
import { type OpenMail, openMail } from "../../src/mail/open-mail.server.ts";
import { freePort } from "../../src/net/free-port.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";
import { authenticatorApp } from "./totp.ts";

export const SPA_ORIGIN = "http://localhost:5173";

/**
 * A client address for rate-limit tests: random inside the IPv6 documentation prefix (never routed),
 * varied within the /64 because Better Auth groups IPv6 clients by /64. Only ever a header value.
 */
export function randomTestIp(): string {
  const group = () => randomBytes(2).toString("hex");
  return `2001:db8:${group()}:${group()}::1`;
}
export const PASSWORD = "correct horse battery staple";

export interface TestSystemOptions {
  auth?: Partial<AuthConfig>;
  api?: Partial<ApiConfig>;
}

export interface TestUser {
  id: string;
  email: string;
  /** The auth service's session behind `cookie`, as its tokens name it (`sid`). */
  sessionId: string;
  cookie: string;
  token: string;
  /** With two-step verification on (`turnOnSecondFactor`): the authenticator app's codes, each once. */
  authenticator?: () => Promise<string>;
}

export interface GraphQLResponse {
  status: number;
  headers: Headers;
  text: string;
  body: { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown>; path?: string[] }[] };
}

export class TestSystem {
  /** Requests the auth service's JWKS endpoint has answered (the API's key fetches). */
  jwksRequests = 0;
  /** Passwords the auth service has checked against a stored hash (each a scrypt verification). */
  get passwordChecks(): number {
    return this.checks.count;
  }

  constructor(
    readonly database: TestDatabase,
    readonly db: Db,
    public authApp: AuthApp,
    readonly authUrl: string,
    public authConfig: AuthConfig,
    readonly apiConfig: ApiConfig,
    readonly api: ApiApp,
    private authServer: Server | undefined,
    /** The auth service's mail, caught by a real SMTP server in this process (the development catcher). */
    readonly mail: OpenMail,
    /** Counted by the auth service's onPasswordCheck. */
    private readonly checks: { count: number },
  ) {}

  /** The mail catcher: `system.mailbox.waitFor(email)` is the next mail to that address. */
  get mailbox(): MailCatcher {
    return this.mail.catcher!;
  }

  /** Really stops the auth service: its port refuses connections until startAuth(). */
  async stopAuth(): Promise<void> {
    if (this.authServer) await close(this.authServer);
    this.authServer = undefined;
  }

  /** Starts the auth service again on the same port, optionally as a new instance with other settings. */
  async startAuth(overrides: Partial<AuthConfig> = {}): Promise<void> {
    await this.stopAuth();
    if (Object.keys(overrides).length > 0) {
      this.authConfig = { ...this.authConfig, ...overrides };
      this.authApp = createAuthApp(createAuth(this.db, this.authConfig, this.authServices()), { devMail: this.mail.catcher });
    }
    this.authServer = await listen(
      {
        fetch: (request) => {
          if (new URL(request.url).pathname === "/api/auth/jwks") this.jwksRequests += 1;
          return this.authApp.fetch(request);
        },
      },
      Number(new URL(this.authUrl).port),
      "127.0.0.1",
    );
  }

  /** What the auth service is given besides its config: the mail catcher, and the password-check count. */
  authServices(): AuthServices {
    return authServices(this.mail, this.checks);
  }

  async signIn(email: string): Promise<TestUser> {
    const response = await this.authFetch("/api/auth/sign-in/email", {
      method: "POST",
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
    const { user } = (await response.json()) as { user: { id: string } };
    return this.userWithSession(user.id, email, sessionCookie(response));
  }

  private async userWithSession(id: string, email: string, cookie: string): Promise<TestUser> {
    const token = await this.tokenFor(cookie);
    const { sid } = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { sid: string };
    return { id, email, sessionId: sid, cookie, token };
  }

  /** The pool under `db`: what the API's stores and createApiApp take (the API holds no Prisma). */
  get pool(): SqlPool {
    return sqlPoolOf(this.db);
  }

  /** A new API app over the same database and auth service, with other settings. */
  apiWith(overrides: Partial<ApiConfig>): ApiApp {
    return createApiApp({ db: this.pool, config: { ...this.apiConfig, ...overrides } });
  }

  /**
   * A new user as a person makes one: signs up, reads the verification mail from the catcher and follows
   * its link in the same browser (with the cookies the sign-up's answer set, which bind the browser to the
   * address), which verifies the address and signs in (the link's answer carries the session cookie).
   */
  async signUp(name = "Test User"): Promise<TestUser> {
    const email = `user-${randomUUID()}@example.com`;
    const response = await this.authFetch("/api/auth/sign-up/email", {
      method: "POST",
      body: JSON.stringify({ email, password: PASSWORD, name, callbackURL: `${SPA_ORIGIN}/` }),
    });
    if (response.status !== 200) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
    const { cookie } = await this.followVerificationMail(email, sessionCookie(response));
    const { id } = await this.db.user.findUniqueOrThrow({ where: { email }, select: { id: true } });
    return this.userWithSession(id, email, cookie);
  }

  /**
   * Reads the verification mail to `email` and follows its link, as the browser holding `cookie` (the one
   * that signed up) would; the browser's cookies afterwards, with the session the link started.
   */
  async followVerificationMail(email: string, cookie: string): Promise<{ cookie: string }> {
    const mail = await this.mailbox.waitFor(email);
    const link = mail.links.find((candidate) => candidate.includes("/verify-email"));
    if (!link) throw new Error(`no verification link in the mail to ${email}: ${mail.text}`);
    const followed = await fetch(link, { redirect: "manual", headers: { cookie } });
    const after = cookiesAfter(cookie, followed);
    if (followed.status !== 302 || !after.includes("session_token"))
      throw new Error(`verification failed: ${followed.status} ${followed.headers.get("location")} ${await followed.text()}`);
    return { cookie: after };
  }

  async tokenFor(cookie: string): Promise<string> {
    const response = await this.authFetch("/api/auth/token", { headers: { cookie } });
    if (response.status !== 200) throw new Error(`token failed: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { token: string }).token;
  }

  /**
   * Operator grants admin, then the user's next token carries the role. An admin needs a second factor
   * (roles.ts): one is turned on first if the user has none, so the token also shows a second factor
   * verified just now (step-up) and the admin powers answer.
   */
  async makeAdmin(user: TestUser): Promise<TestUser> {
    const withSecondFactor = user.authenticator ? user : await this.turnOnSecondFactor(user);
    const change = await setRole(this.db, user.email, "admin");
    if (change !== "changed") throw new Error(`could not make ${user.email} admin: ${change}`);
    return { ...withSecondFactor, token: await this.tokenFor(withSecondFactor.cookie) };
  }

  /**
   * Two-step verification turned on as a person does it (the password, then the authenticator's first code).
   * Better Auth replaces the session as it turns on: the user comes back with the new session, whose second
   * factor was verified now, and the authenticator for later codes.
   */
  async turnOnSecondFactor(user: TestUser): Promise<TestUser & { authenticator: () => Promise<string>; backupCodes: string[] }> {
    const enabled = await this.authFetch("/api/auth/two-factor/enable", {
      method: "POST",
      headers: { cookie: user.cookie },
      body: JSON.stringify({ password: PASSWORD }),
    });
    if (enabled.status !== 200) throw new Error(`two-factor enable failed: ${enabled.status} ${await enabled.text()}`);
    const { totpURI, backupCodes } = (await enabled.json()) as { totpURI: string; backupCodes: string[] };
    const authenticator = authenticatorApp(totpURI);
    const verified = await this.verifySecondFactor(user.cookie, await authenticator());
    const cookie = cookiesAfter(user.cookie, verified);
    return { ...(await this.userWithSession(user.id, user.email, cookie)), authenticator, backupCodes };
  }

  /** Step-up: the signed-in user enters a current code; the session's second factor is now, and so is the next token's. */
  async stepUp(user: TestUser): Promise<TestUser> {
    if (!user.authenticator) throw new Error(`${user.email} has no second factor to step up with`);
    await this.verifySecondFactor(user.cookie, await user.authenticator());
    return { ...user, token: await this.tokenFor(user.cookie) };
  }

  private async verifySecondFactor(cookie: string, code: string): Promise<Response> {
    const verified = await this.authFetch("/api/auth/two-factor/verify-totp", {
      method: "POST",
      headers: { cookie },
      body: JSON.stringify({ code }),
    });
    if (verified.status !== 200) throw new Error(`two-factor verify failed: ${verified.status} ${await verified.text()}`);
    return verified;
  }

  /** Signs any claims with the auth service's real current key (Better Auth's server-only signJWT). */
  async signWithAuthKeys(payload: Record<string, unknown>): Promise<string> {
    const { token } = await this.authApp.auth.api.signJWT({ body: { payload } });
    return token;
  }

  authFetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("origin", SPA_ORIGIN);
    if (init.body) headers.set("content-type", "application/json");
    return fetch(`${this.authUrl}${path}`, { ...init, headers });
  }

  graphql(
    query: string,
    options: { variables?: Record<string, unknown>; token?: string; headers?: Record<string, string>; api?: ApiApp } = {},
  ): Promise<GraphQLResponse> {
    const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    return sendGraphQL(options.api ?? this.api, "http://api.test/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables: options.variables }),
    });
  }

  async close(): Promise<void> {
    await this.stopAuth();
    await this.mail.close();
    rmSync(this.mailbox.directory, { recursive: true, force: true });
    await this.db.$disconnect();
    await this.database.drop();
  }
}

export async function sendGraphQL(api: ApiApp, url: string, init: RequestInit): Promise<GraphQLResponse> {
  const response = await api.fetch(new Request(url, init));
  const text = await response.text();
  let body: GraphQLResponse["body"] = {};
  try {
    body = JSON.parse(text) as GraphQLResponse["body"];
  } catch {
    // Non-JSON answers are asserted on through `text`.
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** The one cookie jar, shared with the conformance kit (which may import nothing of the tests). */
export { cookiesAfter };

/** The Cookie header a browser would send after this answer: each Set-Cookie's name=value. */
export function sessionCookie(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0])
    .join("; ");
}

/**
 * The services' configs as the services build them: the same parser (env.ts) and the same defaults
 * (config.ts), from an environment that points them at this test's database, ports and origin. Only what
 * a test must not share with other tests differs: rate limits are off (each limit has its own tests,
 * which turn it on), and the caller's overrides win.
 */
function configsFor(authUrl: string, options: TestSystemOptions): { auth: AuthConfig; api: ApiConfig } {
  const env = readEnv({
    NODE_ENV: "test",
    AUTH_BASE_URL: authUrl,
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
    AUTH_TRUSTED_ORIGINS: SPA_ORIGIN,
    API_CORS_ORIGINS: SPA_ORIGIN,
    JWT_EXPIRATION: options.auth?.expirationTime,
    // Tests that stop or stall the auth service wait for its keys less long than production would.
    API_JWKS_TIMEOUT_MS: "2000",
  });
  const auth: AuthConfig = {
    ...authConfig(env),
    rateLimit: undefined,
    // Sign-ups answer at once: the minimum answer time has its own test (email-verification.test.ts).
    signUpMinimumMs: 0,
    // Each system catches its own mail, in a folder of its own.
    mail: { kind: "catcher", port: 0, directory: mkdtempSync(path.join(tmpdir(), "tasks-test-mail-")), from: "Tasks <no-reply@localhost>" },
    ...options.auth,
  };
  const api: ApiConfig = {
    ...apiConfig(env),
    rateLimit: undefined,
    // The auth service's own shared secret, when a test gives it one.
    ...(auth.sharedSecret ? { keys: { kind: "shared-secret", secret: auth.sharedSecret } } : {}),
    ...options.api,
  };
  return { auth, api };
}

function authServices(mail: OpenMail, checks: { count: number }): AuthServices {
  return {
    mailer: mail.mailer,
    onPasswordCheck: () => {
      checks.count += 1;
    },
  };
}

export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const database = await createTestDatabase();
  const db = createDb(database.url, { poolSize: 5 });
  const port = await freePort();
  const authUrl = `http://127.0.0.1:${port}`;
  const { auth: authConfig, api: apiConfig } = configsFor(authUrl, options);
  const mail = await openMail(authConfig.mail, () => {});
  const checks = { count: 0 };
  const authApp = createAuthApp(createAuth(db, authConfig, authServices(mail, checks)), { devMail: mail.catcher });
  const api = createApiApp({ db: sqlPoolOf(db), config: apiConfig });
  const system = new TestSystem(database, db, authApp, authUrl, authConfig, apiConfig, api, undefined, mail, checks);
  await system.startAuth();
  return system;
}
