// The operator's commands (admin:grant, keys:rotate) run beside the app on the embedded PostgreSQL: they
// connect to the running server, the app keeps answering and sees the change. A postmaster.pid left by a
// killed run neither blocks them nor sends them to a server that is gone: they start one themselves.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { developmentSecret } from "../src/runtime/development-secrets.ts";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.server.ts";
import { withClient } from "../src/db/with-client.ts";
import { projectRoot } from "../src/paths.ts";
import { freePort } from "../src/net/free-port.ts";
import { mailedLink } from "./support/mail-files.ts";
import { authenticatorApp } from "./support/totp.ts";
import { cookiesAfter, sessionCookie } from "./support/test-system.ts";
import { localAppEnvironment, type LocalAppPorts } from "./support/local-app-environment.ts";

const run = promisify(execFile);
const serverDir = path.join(projectRoot, "server");
const dataDir = mkdtempSync(path.join(os.tmpdir(), "tasks-operator-postgres-"));
const mailDir = mkdtempSync(path.join(os.tmpdir(), "tasks-operator-mail-"));
const PASSWORD = "operator-test-password-123";

let app: ChildProcess;
let output = "";
let ports: LocalAppPorts;
let environment: NodeJS.ProcessEnv;

const kidOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).kid as string;
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { role?: string };

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, problem: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(problem());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A command as `pnpm <script>` runs it, with the app's environment (but its own EMBEDDED_POSTGRES_PORT). */
async function command(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", `src/scripts/${script}.ts`, ...args], {
      cwd: serverDir,
      env: { ...environment, ...env },
      timeout: 40_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code, output: `${failure.stdout ?? ""}${failure.stderr ?? ""}` };
  }
}

function authFetch(route: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("origin", `http://localhost:${ports.client}`);
  if (init.body) headers.set("content-type", "application/json");
  return fetch(`http://127.0.0.1:${ports.auth}${route}`, { ...init, headers });
}

async function tokenFor(cookie: string): Promise<string> {
  const response = await authFetch("/api/auth/token", { headers: { cookie } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

beforeAll(async () => {
  ({ ports, environment } = await localAppEnvironment({ dataDir, mailDir, secret: "an-operator-commands-test-secret-0123456789" }));
  app = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: serverDir,
    env: environment,
    stdio: ["ignore", "pipe", "pipe"],
  });
  app.stdout!.on("data", (chunk) => (output += chunk));
  app.stderr!.on("data", (chunk) => (output += chunk));
  await until(
    () => output.includes("Tasks is running:"),
    50_000,
    () => `the app did not start:\n${output}`,
  );
}, 60_000);

afterAll(() => {
  if (app?.exitCode === null) app.kill("SIGKILL");
  // A postmaster left running by a failed test: stop it through its pid file before deleting its data.
  try {
    process.kill(Number.parseInt(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8"), 10), "SIGQUIT");
  } catch {
    // None left.
  }
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(mailDir, { recursive: true, force: true });
});

let user: { email: string; cookie: string };

test("admin:grant and keys:rotate work while the app runs, and the running app sees the change", async () => {
  const email = `operator-${Date.now()}@example.com`;
  const signUp = await authFetch("/api/auth/sign-up/email", {
    method: "POST",
    body: JSON.stringify({ email, password: PASSWORD, name: "Op" }),
  });
  expect(signUp.status).toBe(200);
  // The address must be verified before an operator may make it admin: the link from the caught mail.
  // Opened with the cookie the sign-up's answer set: the link signs in only the browser that signed up.
  const verified = await fetch(await mailedLink(mailDir, email, "Verify your email for Tasks"), {
    redirect: "manual",
    headers: { cookie: sessionCookie(signUp) },
  });
  expect(verified.status).toBe(302);
  let cookie = cookiesAfter(sessionCookie(signUp), verified);
  const before = await tokenFor(cookie);
  expect(claimsOf(before).role).toBe("user");

  // Without a second factor the operator is refused and told why (admin powers ask for a recent code).
  const refused = await command("grant-admin", [email]);
  expect(refused).toEqual({ code: 1, output: expect.stringContaining(`${email} has no second factor, so it cannot be made admin`) });
  expect(claimsOf(await tokenFor(cookie)).role).toBe("user");
  // Its owner turns two-step verification on (the password, then the authenticator's first code).
  const enabled = await authFetch("/api/auth/two-factor/enable", {
    method: "POST",
    headers: { cookie },
    body: JSON.stringify({ password: PASSWORD }),
  });
  expect(enabled.status).toBe(200);
  const code = authenticatorApp(((await enabled.json()) as { totpURI: string }).totpURI);
  const turnedOn = await authFetch("/api/auth/two-factor/verify-totp", {
    method: "POST",
    headers: { cookie },
    body: JSON.stringify({ code: await code() }),
  });
  expect(turnedOn.status).toBe(200);
  cookie = cookiesAfter(cookie, turnedOn);
  user = { email, cookie };

  // Another EMBEDDED_POSTGRES_PORT: the port comes from the running server's postmaster.pid.
  const granted = await command("grant-admin", [email], { EMBEDDED_POSTGRES_PORT: String(await freePort()) });
  expect(granted).toEqual({ code: 0, output: expect.stringContaining(`${email} is now admin.`) });
  expect(claimsOf(await tokenFor(cookie)).role).toBe("admin");

  const rotated = await command("rotate-keys", []);
  expect(rotated).toEqual({ code: 0, output: expect.stringContaining("Retired 1 signing key(s)") });
  const after = await tokenFor(cookie);
  expect(kidOf(after)).not.toBe(kidOf(before));
  const { keys } = (await (await authFetch("/api/auth/jwks")).json()) as { keys: { kid: string }[] };
  expect(keys.map((key) => key.kid)).toEqual(expect.arrayContaining([kidOf(before), kidOf(after)]));

  const migrated = await command("db-migrate", []);
  expect(migrated).toEqual({ code: 0, output: expect.stringContaining("Migrations applied to the running embedded PostgreSQL") });

  // The app is still up, on the same database.
  expect(app.exitCode).toBe(null);
  expect(await (await authFetch("/api/auth/ok")).json()).toEqual({ ok: true });
  const graphql = await fetch(`http://127.0.0.1:${ports.api}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${after}` },
    body: JSON.stringify({ query: "{ me { id } }" }),
  });
  expect(((await graphql.json()) as { data: { me: { id: string } | null } }).data.me).not.toBe(null);
}, 60_000);

test("a postmaster.pid left by a killed run neither blocks the commands nor misleads them", async () => {
  const pidFile = path.join(dataDir, "postmaster.pid");
  const postmaster = Number.parseInt(readFileSync(pidFile, "utf8"), 10);
  process.kill(postmaster, "SIGKILL");
  app.kill("SIGKILL");
  await until(
    () => {
      try {
        process.kill(postmaster, 0);
        return false;
      } catch {
        return true;
      }
    },
    10_000,
    () => "the postmaster did not die",
  );
  expect(readFileSync(pidFile, "utf8").split("\n")[0]).toBe(String(postmaster)); // stale, left behind

  const revoked = await command("grant-admin", [user.email, "--revoke"]);
  expect(revoked).toEqual({ code: 0, output: expect.stringContaining(`${user.email} is now user.`) });
  const migrated = await command("db-migrate", []);
  expect(migrated.code).toBe(0);
  expect(migrated.output).toContain("Migrations applied to embedded PostgreSQL");
  expect(migrated.output).not.toContain("running");

  // The command stopped the server it started; the change is in the data folder.
  const postgres = await startEmbeddedPostgres({
    directory: dataDir,
    port: ports.postgres,
    password: developmentSecret("postgresPassword"),
    database: "tasks",
  });
  try {
    const role = await withClient(postgres.url, (client) => client.query(`SELECT role FROM "user" WHERE email = $1`, [user.email]));
    expect(role.rows).toEqual([{ role: "user" }]);
  } finally {
    await postgres.stop();
  }
}, 60_000);
