// The whole path across the service boundary, over real HTTP, through the same start-up code the
// `dev` and `start` scripts run: sign up at the auth service, fetch a JWT, call the API with it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { readEnv } from "../src/env.ts";
import { startServices, type RunningServices } from "../src/services.ts";
import { freePort } from "../src/net/free-port.ts";
import { mailedLink } from "./support/mail-files.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";
import { cookiesAfter, PASSWORD, SPA_ORIGIN, sessionCookie } from "./support/test-system.ts";

const mailDir = mkdtempSync(path.join(tmpdir(), "tasks-full-flow-mail-"));
let database: TestDatabase;
let services: RunningServices;
let authUrl: string;
let apiUrl: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const [authPort, apiPort] = [await freePort(), await freePort()];
  authUrl = `http://127.0.0.1:${authPort}`;
  apiUrl = `http://127.0.0.1:${apiPort}`;
  services = await startServices(
    readEnv({
      NODE_ENV: "test",
      DATABASE_URL: database.url,
      AUTH_PORT: String(authPort),
      API_PORT: String(apiPort),
      AUTH_BASE_URL: authUrl,
      BETTER_AUTH_SECRET: "a-test-secret-that-is-long-enough-0123456789",
      MAIL_CATCHER_DIR: mailDir,
    }),
    { auth: true, api: true },
  );
});
afterAll(async () => {
  await services?.stop();
  await database.drop();
  rmSync(mailDir, { recursive: true, force: true });
});

test("sign up, get a token, and use it at the API, all over HTTP", async () => {
  const signUp = await fetch(`${authUrl}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: SPA_ORIGIN },
    body: JSON.stringify({ email: "flow@example.com", password: PASSWORD, name: "Flow" }),
  });
  expect(signUp.status).toBe(200);
  // No session before the address is verified: only the cookie that binds this browser to the sign-up.
  expect(signUp.headers.getSetCookie().map((cookie) => cookie.split("=")[0])).toEqual(["better-auth.sign_up_browser"]);
  const verified = await fetch(await mailedLink(mailDir, "flow@example.com", "Verify your email for Tasks"), {
    redirect: "manual",
    headers: { cookie: sessionCookie(signUp) },
  });
  expect(verified.status).toBe(302);
  const cookie = cookiesAfter(sessionCookie(signUp), verified);

  const tokenResponse = await fetch(`${authUrl}/api/auth/token`, { headers: { cookie } });
  expect(tokenResponse.status).toBe(200);
  const { token } = (await tokenResponse.json()) as { token: string };
  const [header, payload] = token
    .split(".")
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
  expect(header).toMatchObject({ alg: "EdDSA", kid: expect.any(String) });
  // A trimmed payload: who, what role, for whom, until when, and how the session was authenticated (amr,
  // auth_time: second-factor.ts). Not the whole user row.
  expect(Object.keys(payload).sort()).toEqual(["amr", "aud", "auth_time", "exp", "iat", "iss", "role", "sid", "sub"]);
  expect(payload).toMatchObject({ iss: authUrl, aud: "tasks-api", role: "user", amr: ["pwd"] });
  expect(payload.exp - payload.iat).toBe(15 * 60);

  const graphql = (query: string, bearer?: string) =>
    fetch(`${apiUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify({ query }),
    }).then(async (response) => ({ status: response.status, body: await response.json() }));

  const created = await graphql('mutation { createTask(input: { title: "Across the boundary" }) { id title } }', token);
  expect(created.body.data.createTask.title).toBe("Across the boundary");
  const listed = await graphql("{ me { email } tasks { totalCount edges { node { id } } } }", token);
  expect(listed.body.data).toEqual({
    me: { email: "flow@example.com" },
    tasks: { totalCount: 1, edges: [{ node: { id: created.body.data.createTask.id } }] },
  });

  // The API ignores the session cookie entirely: only the bearer token counts.
  const withCookieOnly = await fetch(`${apiUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ query: "{ me { email } }" }),
  });
  expect(await withCookieOnly.json()).toEqual({ data: { me: null } });
});

test("GET /graphql in a browser opens GraphiQL from the API's own files, under a same-origin policy, with a note on the bearer token", async () => {
  const response = await fetch(`${apiUrl}/graphql`, { headers: { accept: "text/html" } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
  const policy = directives(response.headers.get("content-security-policy"));
  expect(policy).toMatchObject({
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "worker-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
  });
  const html = await response.text();
  // No inline script: every <script> either loads a file or is a JSON data block.
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  expect(
    scripts.filter(
      ([, attributes, body]) => !/\bsrc=/.test(attributes!) && !/type="application\/json"/.test(attributes!) && body!.trim() !== "",
    ),
  ).toEqual([]);
  // Nothing from another origin; every file it names is served here.
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  const files = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
  expect(files.length).toBe(5); // favicon, stylesheet, the DPoP signer (graphiql-dpop.ts), start script, GraphiQL
  for (const file of files) {
    expect(file).toMatch(/^\/graphql\/assets\//);
    const asset = await fetch(`${apiUrl}${file}`);
    expect(asset.status, file).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(asset.headers.get("x-content-type-options")).toBe("nosniff");
    expect((await asset.arrayBuffer()).byteLength, file).toBeGreaterThan(100);
  }
  // The workers Monaco is told about are served too (as files, where the package would make blob: URLs).
  const start = await (await fetch(`${apiUrl}${files.find((file) => file.includes("/start-"))}`)).text();
  const workers = [...start.matchAll(/"(\/graphql\/assets\/[\w.-]+\.worker-[\w-]+\.js)"/g)].map((match) => match[1]!);
  expect(workers.length).toBe(3);
  for (const worker of workers) {
    const answer = await fetch(`${apiUrl}${worker}`);
    expect(answer.status, worker).toBe(200);
    expect(answer.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
  }
  expect((await fetch(`${apiUrl}/graphql/assets/graphiql-unknown.js`)).status).toBe(404);
  // The default query tells how to send the token.
  expect(html).toContain("Authorization");
  expect(html).toContain("/api/auth/token");
});

/** A Content-Security-Policy header as { directive: sources }. */
function directives(policy: string | null): Record<string, string[]> {
  return Object.fromEntries(
    (policy ?? "")
      .split(";")
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name, sources]),
  );
}

test("the JWKS endpoint publishes only public Ed25519 keys", async () => {
  const { keys } = (await (await fetch(`${authUrl}/api/auth/jwks`)).json()) as { keys: Record<string, unknown>[] };
  expect(keys.length).toBeGreaterThan(0);
  for (const key of keys) {
    expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", kid: expect.any(String) });
    expect(key).not.toHaveProperty("d");
  }
});
