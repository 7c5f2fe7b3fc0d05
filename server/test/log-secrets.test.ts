// What the logs never hold. The real programs (`pnpm start:auth`, `pnpm start:api`) run in production mode, so
// their log is JSON lines, at LOG_LEVEL=debug, the most they ever write; a whole account's life goes through
// them (sign-up, the mailed verification link, sign-in, a token, GraphQL reads and writes, a wrong password, a
// forged token, a reset link from the mail, sign-out). Then every byte both processes wrote is searched for each
// secret this test used or was given: the password, the session cookie, the token and its signature, the
// mailed links' tokens, the full email address. Every line must be JSON, and every line about a request
// must carry that request's id, the one its answer's X-Request-Id header gave.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type MailCatcher, startMailCatcher } from "../src/mail/mail-catcher.server.ts";
import { freePort } from "../src/net/free-port.ts";
import { startPostgresServer, type PostgresServer } from "./support/postgres-server.ts";
import { startServiceProcess, type ServiceProcess } from "./support/service-process.ts";
import { sessionCookie } from "./support/test-system.ts";

const ORIGIN = "http://localhost:5173";
const PASSWORD = `log secret password ${randomBytes(6).toString("hex")}`;
const NEW_PASSWORD = `log secret new password ${randomBytes(6).toString("hex")}`;
const EMAIL = `log-secrets-${randomBytes(5).toString("hex")}@example.com`;

let postgres: PostgresServer;
let mailDir: string;
let catcher: MailCatcher;
let auth: ServiceProcess;
let api: ServiceProcess;
let authUrl: string;
let apiUrl: string;
/** The X-Request-Id of every answer, by service. */
const requestIds = { auth: [] as string[], api: [] as string[] };

beforeAll(async () => {
  postgres = await startPostgresServer();
  mailDir = mkdtempSync(path.join(tmpdir(), "tasks-log-secrets-mail-"));
  catcher = await startMailCatcher({ directory: mailDir });
  const [authPort, apiPort] = await Promise.all([freePort(), freePort()]);
  authUrl = `http://127.0.0.1:${authPort}`;
  apiUrl = `http://127.0.0.1:${apiPort}/graphql`;
  const common = {
    NODE_ENV: "production",
    LOG_LEVEL: "debug",
    HOST: "127.0.0.1",
    DATABASE_URL: postgres.url,
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
    AUTH_BASE_URL: authUrl,
    AUTH_TRUSTED_ORIGINS: ORIGIN,
    // Plain HTTP on loopback: no TLS in a test.
    ALLOW_INSECURE_HTTP: "true",
    SMTP_URL: catcher.url,
    MAIL_FROM: "Tasks <no-reply@example.com>",
    // Bearer tokens, as a script would use them (production's default asks for DPoP proofs).
    AUTH_DPOP: "allowed",
    API_DPOP: "allowed",
    AUTH_SIGN_IN_PER_MINUTE: "0",
    AUTH_SIGN_UP_PER_MINUTE: "0",
  };
  // The auth service first: it applies the migrations the API then finds applied.
  auth = await startServiceProcess("src/auth/main.ts", { ...common, AUTH_PORT: String(authPort) }, "Auth service is running");
  api = await startServiceProcess("src/api/main.ts", { ...common, API_PORT: String(apiPort) }, "API service is running");
}, 180_000);

afterAll(async () => {
  await Promise.all([auth?.stop(), api?.stop()]);
  await catcher?.close();
  await postgres?.remove();
  if (mailDir) rmSync(mailDir, { recursive: true, force: true });
});

async function authFetch(pathname: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(`${authUrl}${pathname}`, { redirect: "manual", ...init, headers: { origin: ORIGIN, ...init.headers } });
  requestIds.auth.push(response.headers.get("x-request-id") ?? `(none for ${pathname})`);
  return response;
}

function authPost(pathname: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return authFetch(pathname, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

async function graphql(query: string, variables: Record<string, unknown>, token: string) {
  const response = await fetch(apiUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  requestIds.api.push(response.headers.get("x-request-id") ?? "(none)");
  return { status: response.status, body: (await response.json()) as { data?: Answer; errors?: unknown[] } };
}

interface Answer {
  createTask: { id: string };
  tasks: { totalCount: number };
}

/** The token (or any query parameter) a mailed link or a redirect carries. */
function parameter(url: string, name: string): string {
  const value = new URL(url).searchParams.get(name);
  if (!value) throw new Error(`no ${name} in ${url}`);
  return value;
}

test("a whole account's life through the real programs leaves no secret in either log, and every line is JSON with its request id", async () => {
  const secrets = new Map<string, string>([
    ["the password", PASSWORD],
    ["the new password", NEW_PASSWORD],
    ["the full email address", EMAIL],
  ]);

  // Sign up; the mailed link verifies the address.
  let since = new Date();
  expect(
    (await authPost("/api/auth/sign-up/email", { email: EMAIL, password: PASSWORD, name: "Log Secrets", callbackURL: `${ORIGIN}/` }))
      .status,
  ).toBe(200);
  const verifyLink = (await catcher.waitFor(EMAIL, { since })).links[0]!;
  secrets.set("the verification link's token", parameter(verifyLink, "token"));
  expect((await authFetch(new URL(verifyLink).pathname + new URL(verifyLink).search)).status).toBeLessThan(400);

  // A wrong password, then the right one.
  expect((await authPost("/api/auth/sign-in/email", { email: EMAIL, password: `${PASSWORD} wrong` })).status).toBe(401);
  const signIn = await authPost("/api/auth/sign-in/email", { email: EMAIL, password: PASSWORD });
  expect(signIn.status).toBe(200);
  const cookie = sessionCookie(signIn);
  const cookieValue = cookie.slice(cookie.indexOf("=") + 1);
  secrets.set("the session cookie", cookieValue);
  secrets.set("the session cookie, decoded", decodeURIComponent(cookieValue));
  secrets.set("the session token", decodeURIComponent(cookieValue).split(".")[0]!);

  // A token, and GraphQL reads and writes with it.
  const tokenAnswer = await authFetch("/api/auth/token", { headers: { cookie } });
  expect(tokenAnswer.status).toBe(200);
  const { token } = (await tokenAnswer.json()) as { token: string };
  secrets.set("the JWT", token);
  secrets.set("the JWT's signature", token.split(".")[2]!);
  const created = await graphql(
    "mutation ($title: String!) { createTask(input: { title: $title }) { id } }",
    { title: "secret-free" },
    token,
  );
  expect(created.body.errors).toBeUndefined();
  const id = created.body.data!.createTask.id;
  expect(
    (await graphql("mutation ($id: ID!) { updateTask(id: $id, input: { completed: true }) { id } }", { id }, token)).body.errors,
  ).toBeUndefined();
  const read = await graphql("{ me { id email } tasks(first: 5) { totalCount } }", {}, token);
  expect(read.body.data?.tasks.totalCount).toBe(1);

  // A forged token: the real one with another signature.
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const forged = `${header}.${payload}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
  secrets.set("the forged token's signature", forged.split(".")[2]!);
  expect((await graphql("{ me { id } }", {}, forged)).status).toBe(401);

  // A password reset through the mailed link.
  since = new Date();
  expect((await authPost("/api/auth/request-password-reset", { email: EMAIL, redirectTo: `${ORIGIN}/reset-password` })).status).toBe(200);
  const resetLink = (await catcher.waitFor(EMAIL, { since })).links[0]!;
  const landing = (await authFetch(new URL(resetLink).pathname + new URL(resetLink).search)).headers.get("location")!;
  const resetToken = parameter(landing, "token");
  secrets.set("the reset link's token", resetToken);
  expect((await authPost("/api/auth/reset-password", { token: resetToken, newPassword: NEW_PASSWORD })).status).toBe(200);

  // Sign in with the new password, and out.
  const again = await authPost("/api/auth/sign-in/email", { email: EMAIL, password: NEW_PASSWORD });
  expect(again.status).toBe(200);
  const secondCookie = sessionCookie(again);
  secrets.set("the second session cookie", decodeURIComponent(secondCookie.slice(secondCookie.indexOf("=") + 1)));
  expect((await authPost("/api/auth/sign-out", {}, { cookie: secondCookie })).status).toBe(200);

  await Promise.all([auth.stop(), api.stop()]);
  const programs = { auth: auth.streams(), api: api.streams() };

  // 1. No secret anywhere in what either process wrote.
  const found: string[] = [];
  for (const [program, { stdout, stderr }] of Object.entries(programs)) {
    for (const [name, secret] of secrets) {
      for (const [stream, text] of [
        ["stdout", stdout],
        ["stderr", stderr],
      ] as const) {
        const at = text.indexOf(secret);
        if (at !== -1) found.push(`${name} in the ${program} program's ${stream}: …${text.slice(Math.max(0, at - 200), at + 40)}…`);
      }
    }
  }
  expect(found, found.join("\n\n")).toEqual([]);

  // 2. Every line is JSON; nothing goes to standard error.
  for (const [program, { stdout, stderr }] of Object.entries(programs)) {
    expect(stderr, `${program}'s standard error`).toBe("");
    const lines = stdout.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(() => JSON.parse(line), `${program}: not JSON: ${line}`).not.toThrow();
  }

  // 3. One access line per request, with the id its answer carried; every line about a request has its id.
  for (const [program, service] of [
    ["auth", "auth"],
    ["api", "api"],
  ] as const) {
    const lines = programs[program].stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const access = lines.filter((line) => line.msg === "request");
    // Ours, and at the auth service the API's own fetch of the key set.
    const others = access.filter((line) => !requestIds[program].includes(line.requestId as string));
    expect(others.map((line) => line.route)).toEqual(program === "auth" ? ["/api/auth/jwks"] : []);
    expect(access.map((line) => line.requestId).filter((id) => requestIds[program].includes(id as string))).toHaveLength(
      requestIds[program].length,
    );
    for (const line of access) {
      expect(line).toMatchObject({ service, method: expect.any(String), route: expect.any(String), status: expect.any(Number) });
      expect(JSON.stringify(line)).not.toMatch(/[?&](token|callbackURL)=/);
    }
    const aboutRequests = lines.filter(
      (line) => "status" in line || "route" in line || /rejected|refused|failed|unexpected error/.test(String(line.msg)),
    );
    for (const line of aboutRequests) expect(line.requestId, JSON.stringify(line)).toEqual(expect.any(String));
    // The masked form of the address is what a mail line names.
    if (program === "auth") {
      expect(lines.some((line) => line.msg === "mail sent" && line.to === "l***@example.com")).toBe(true);
      // The wrong password: said once, with its request id and the account's id, never the address typed.
      expect(lines.filter((line) => line.msg === "sign-in failed")).toEqual([
        expect.objectContaining({ requestId: expect.any(String), userId: expect.any(String), reason: expect.any(String) }),
      ]);
    }
    if (program === "api") expect(lines.some((line) => line.msg === "token rejected")).toBe(true);
  }
}, 120_000);
