// Production runs built JavaScript with plain node (`pnpm build`, then `pnpm start:auth` / `start:api`): the
// server is compiled here the way `pnpm build` does it, into a folder of this test's own beside src/, and
// the two built programs are started on a fresh database. A token from the built auth service is accepted
// by the built API, and a forged one is refused.
import { execFile } from "node:child_process";
import { generateKeyPair, SignJWT } from "jose";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { freePort } from "../src/net/free-port.ts";
import { mailedLink } from "./support/mail-files.ts";
import { startServiceProcess, type ServiceProcess } from "./support/service-process.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";
import { PASSWORD, sessionCookie, SPA_ORIGIN } from "./support/test-system.ts";

const run = promisify(execFile);
const serverDirectory = fileURLToPath(new URL("..", import.meta.url));
/** Beside src/ and dist/, at the same depth, so the built paths.js finds the repository as dist/ would. */
const outDir = `dist-test-${randomBytes(4).toString("hex")}`;

let database: TestDatabase;
let mailDir: string;
let auth: ServiceProcess;
let api: ServiceProcess;
let authUrl: string;
let apiUrl: string;

beforeAll(async () => {
  // What `pnpm build` runs, with the output folder changed.
  await run(
    process.execPath,
    [path.join(serverDirectory, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", outDir],
    {
      cwd: serverDirectory,
    },
  );
  await run(process.execPath, ["--import", "tsx", "src/scripts/copy-build-assets.ts", outDir], { cwd: serverDirectory });
  database = await createTestDatabase();
  mailDir = mkdtempSync(path.join(tmpdir(), "tasks-built-mail-"));
  const [authPort, apiPort] = [await freePort(), await freePort()];
  authUrl = `http://127.0.0.1:${authPort}`;
  apiUrl = `http://127.0.0.1:${apiPort}/graphql`;
  const common = { NODE_ENV: "development", HOST: "127.0.0.1", DATABASE_URL: database.url, AUTH_BASE_URL: authUrl, JWT_ISSUER: authUrl };
  auth = await startServiceProcess(
    `${outDir}/auth/main.js`,
    { ...common, AUTH_PORT: String(authPort), BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"), MAIL_CATCHER_DIR: mailDir },
    "Auth service is running",
    { built: true },
  );
  api = await startServiceProcess(`${outDir}/api/main.js`, { ...common, API_PORT: String(apiPort) }, "API service is running", {
    built: true,
  });
}, 240_000);

afterAll(async () => {
  await Promise.all([auth?.stop(), api?.stop()]);
  await database?.drop();
  if (mailDir) rmSync(mailDir, { recursive: true, force: true });
  rmSync(path.join(serverDirectory, outDir), { recursive: true, force: true });
});

const post = (pathname: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${authUrl}${pathname}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: SPA_ORIGIN, ...headers },
    body: JSON.stringify(body),
  });

const me = (token: string) =>
  fetch(apiUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: "{ me { id email } }" }),
  });

test("the built programs run on plain node: a token from the built auth service is accepted by the built API, a forged one refused", async () => {
  for (const program of [auth, api]) expect(program.output()).not.toContain("tsx");
  const email = `built-${randomBytes(4).toString("hex")}@example.com`;
  expect((await post("/api/auth/sign-up/email", { email, password: PASSWORD, name: "Built", callbackURL: `${SPA_ORIGIN}/` })).status).toBe(
    200,
  );
  await fetch(await mailedLink(mailDir, email, "Verify your email for Tasks"), { redirect: "manual" });
  const signIn = await post("/api/auth/sign-in/email", { email, password: PASSWORD });
  expect(signIn.status).toBe(200);
  const tokenAnswer = await fetch(`${authUrl}/api/auth/token`, { headers: { cookie: sessionCookie(signIn), origin: SPA_ORIGIN } });
  const { token } = (await tokenAnswer.json()) as { token: string };

  const accepted = await me(token);
  expect(accepted.status).toBe(200);
  expect(((await accepted.json()) as { data: { me: { email: string } } }).data.me.email).toBe(email);

  // The same claims and the same kid, signed by a key the auth service never had.
  const [header, payload] = token
    .split(".")
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"))) as [{ kid: string }, Record<string, unknown>];
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  const forged = await new SignJWT(payload).setProtectedHeader({ alg: "EdDSA", kid: header.kid }).sign(privateKey);
  const refused = await me(forged);
  expect(refused.status).toBe(401);
  expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');
});
