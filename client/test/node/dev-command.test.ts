// `pnpm dev` (server/src/web/dev.ts): one command starts the services and the Vite dev server, names the
// SPA's address, serves it on one origin and nothing but the client, and one Ctrl-C (SIGINT) stops
// everything, the embedded PostgreSQL included.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { localAppEnvironment, type LocalAppPorts } from "../../../server/test/support/local-app-environment.ts";
import { DEV_CONTENT_SECURITY_POLICY } from "../../vite-dev-policy.ts";
import { launchBrowser, newVisitor, recordCspViolations, signUp } from "../support/browser.ts";
import { clientDir } from "../support/build-spa.ts";

const projectRoot = path.join(clientDir, "..");
const serverDir = path.join(projectRoot, "server");
const dataDir = mkdtempSync(path.join(os.tmpdir(), "tasks-dev-postgres-"));
const mailDir = mkdtempSync(path.join(os.tmpdir(), "tasks-dev-mail-"));

function portIsOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** A GET with the path exactly as written: fetch() would resolve `..` before sending it. */
function rawGet(
  port: number,
  rawPath: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: "127.0.0.1", port, path: rawPath, headers: { host: `localhost:${port}`, accept: "*/*", ...headers } },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
      },
    );
    outgoing.on("error", reject);
    outgoing.end();
  });
}

/** expect.poll for a hook (vitest allows it only inside a test). */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, problem: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(problem());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let child: ChildProcess;
let output = "";
let exited: Promise<number | null>;
let ports: LocalAppPorts;
let spaUrl: string;
/** What answered through the SPA's address at the moment `pnpm dev` named it. */
let answeredWhenNamed: Promise<Record<string, number>>;

beforeAll(async () => {
  const local = await localAppEnvironment({ dataDir, mailDir, secret: "a-dev-command-test-secret-0123456789abcdef" });
  ports = local.ports;
  child = spawn(process.execPath, ["--import", "tsx", "src/web/dev.ts"], {
    cwd: serverDir,
    env: local.environment,
    stdio: ["ignore", "pipe", "pipe"],
  });
  spaUrl = `http://localhost:${ports.client}`;
  let named: (answers: Promise<Record<string, number>>) => void = () => {};
  answeredWhenNamed = new Promise((resolve) => (named = resolve));
  child.stdout!.on("data", (chunk) => {
    output += chunk;
    if (output.includes(`Web app       ${spaUrl}`)) named(whatAnswers(spaUrl));
  });
  child.stderr!.on("data", (chunk) => (output += chunk));
  exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  await until(
    () => output.includes(`Web app       ${spaUrl}`),
    60_000,
    () => `no "Web app ${spaUrl}" line:\n${output}`,
  );
  await until(
    () => portIsOpen(ports.client),
    20_000,
    () => `nothing listens on ${ports.client}:\n${output}`,
  );
}, 120_000);

/** The status each thing a browser needs answers with through the SPA's address (0: no answer). */
async function whatAnswers(url: string): Promise<Record<string, number>> {
  const status = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, init).then(
      (response) => response.status,
      () => 0,
    );
  const [page, auth, api] = await Promise.all([
    status("/", { headers: { accept: "text/html" } }),
    status("/api/auth/ok"),
    status("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    }),
  ]);
  return { page, auth, api };
}

afterAll(() => {
  if (child?.exitCode === null) child.kill("SIGINT");
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(mailDir, { recursive: true, force: true });
});

test("pnpm dev names the app's address only once the page, the auth service and the API answer through it; Vite's own early address is left out", async () => {
  expect(await answeredWhenNamed).toEqual({ page: 200, auth: 200, api: 200 });
  expect(output).not.toMatch(/Local:\s+http/); // Vite prints it as soon as it listens, seconds before the services answer
  expect(output.match(new RegExp(`Web app {7}${spaUrl}`, "g"))).toHaveLength(1);
});

test("pnpm dev serves the SPA, the auth service and the API on one origin", async () => {
  const page = await fetch(`${spaUrl}/`, { headers: { accept: "text/html" } });
  expect(await page.text()).toContain('<div id="root">');
  expect(await (await fetch(`${spaUrl}/api/auth/ok`)).json()).toEqual({ ok: true });
  const graphql = await fetch(`${spaUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ me { id } }" }),
  });
  expect(await graphql.json()).toEqual({ data: { me: null } });
  expect(existsSync(path.join(dataDir, "postmaster.pid"))).toBe(true);
});

test("the SPA's pages carry the production policy (inline styles allowed for Vite's CSS) and run in chromium with no violation", async () => {
  const page = await fetch(`${spaUrl}/sign-in`, { headers: { accept: "text/html" } });
  expect(page.headers.get("content-security-policy")).toBe(DEV_CONTENT_SECURITY_POLICY);
  expect(DEV_CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
  expect(DEV_CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  const scripts = [...(await page.text()).matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  expect(scripts.filter(([, attributes, body]) => !/\bsrc=/.test(attributes!) || body!.trim() !== "")).toEqual([]);

  const browser = await launchBrowser();
  try {
    const dev = await newVisitor(
      browser,
      {
        url: spaUrl,
        apiUrl: `http://127.0.0.1:${ports.api}`,
        stop: async () => {},
        grantAdmin: async () => {
          throw new Error("this test does not grant roles");
        },
      },
      "Dev",
    );
    const violations = await recordCspViolations(dev.context);
    await signUp(dev); // the sign-up screen, then the task list
    expect(violations).toEqual([]);
    expect(dev.pageErrors).toEqual([]);
  } finally {
    await browser.close();
  }
});

test("GraphiQL opens on the SPA's origin: its page, with its own policy, and its files come through the proxy from the API", async () => {
  const page = await fetch(`${spaUrl}/graphql`, { headers: { accept: "text/html" } });
  expect(page.status).toBe(200);
  const policy = page.headers.get("content-security-policy");
  expect(policy).toContain("script-src 'self'");
  expect(policy).toContain("worker-src 'self'"); // GraphiQL's policy, not the SPA's as well
  expect(policy).not.toContain(DEV_CONTENT_SECURITY_POLICY);
  const files = [...(await page.text()).matchAll(/(?:src|href)="(\/graphql\/assets\/[^"]+)"/g)].map((match) => match[1]!);
  expect(files.length).toBe(5); // favicon, stylesheet, the DPoP signer, start script, GraphiQL
  for (const file of files) expect((await fetch(`${spaUrl}${file}`)).status, file).toBe(200);
});

describe("the Vite dev server serves the client and nothing else", () => {
  // Written by the services at start (the embedded PostgreSQL's password): what an attacker page wants.
  const secretsFile = path.join(projectRoot, ".data", "dev-secrets.json");
  // A .env at the root, for the length of this test only: Vite's own .env rules must hold there too.
  const envFile = path.join(projectRoot, ".env");
  const envCanary = `TASKS_CANARY=${Date.now().toString(36)}-dev-command-test`;
  let createdEnvFile = false;
  beforeAll(() => {
    if (!existsSync(envFile)) {
      writeFileSync(envFile, `${envCanary}\n`);
      createdEnvFile = true;
    }
  });
  afterAll(() => {
    if (createdEnvFile) rmSync(envFile, { force: true });
  });

  /** What each file would give away if served: a line only that file holds. */
  function secretsOf(file: string): string[] {
    if (file === envFile) return createdEnvFile ? [envCanary] : [];
    if (file === secretsFile) return Object.values(JSON.parse(readFileSync(file, "utf8")) as Record<string, string>);
    return [
      readFileSync(file, "utf8")
        .split("\n")
        .find((line) => line.trim().length > 20)!
        .trim(),
    ];
  }

  const root = projectRoot.split(path.sep).join("/");
  const refused: [string, string][] = [
    [`/@fs${root}/.data/dev-secrets.json`, secretsFile],
    [`/@fs${root}/.data/dev-secrets.json?raw`, secretsFile],
    [`/@fs${root}/.data/dev-secrets.json?import&raw`, secretsFile],
    [`/@fs${root}/.data/dev-secrets.json?url`, secretsFile],
    [`/@fs${root}/.data/dev-secrets.json?raw??`, secretsFile],
    [`/@fs${root}/.data//dev-secrets.json`, secretsFile],
    [`/@fs${root}/%2edata/dev-secrets.json`, secretsFile],
    ["/.data/dev-secrets.json", secretsFile],
    ["/../.data/dev-secrets.json", secretsFile],
    ["/%2e%2e/.data/dev-secrets.json", secretsFile],
    [`/@fs${root}/server/src/env.ts`, path.join(serverDir, "src", "env.ts")],
    [`/@fs${root}/server/src/env.ts?raw`, path.join(serverDir, "src", "env.ts")],
    ["/server/src/env.ts", path.join(serverDir, "src", "env.ts")],
    ["/../server/src/env.ts", path.join(serverDir, "src", "env.ts")],
    [`/@fs${root}/prisma/schema.prisma`, path.join(projectRoot, "prisma", "schema.prisma")],
    ["/prisma/schema.prisma", path.join(projectRoot, "prisma", "schema.prisma")],
    ["/../prisma/schema.prisma", path.join(projectRoot, "prisma", "schema.prisma")],
    [`/@fs${root}/.env`, envFile],
    // Not secret, but outside the client: the dev server has no business serving it.
    [`/@fs${root}/codegen.ts`, path.join(projectRoot, "codegen.ts")],
    ["/.env", envFile],
    ["/../.env", envFile],
  ];

  test.each(refused)("%s is refused", async (rawPath, file) => {
    const answer = await rawGet(ports.client, rawPath);
    const secrets = secretsOf(file);
    const shown = secrets.reduce((body, secret) => body.replaceAll(secret, "<the secret>"), answer.body.slice(0, 200));
    expect([403, 404], `${rawPath} answered ${answer.status}: ${shown}`).toContain(answer.status);
    for (const secret of secrets) expect(answer.body.includes(secret), `${rawPath} gave away its file`).toBe(false);
  });

  test("another page on localhost cannot read what it serves: no CORS", async () => {
    const otherPage = { origin: "http://localhost:1" };
    for (const rawPath of ["/src/main.tsx", "/", "/@vite/client"]) {
      const answer = await rawGet(ports.client, rawPath, otherPage);
      expect(answer.status).toBe(200);
      expect(answer.headers["access-control-allow-origin"], rawPath).toBeUndefined();
    }
  });

  test("the files it is meant to serve still come: the page, the app's modules and Vite's own", async () => {
    const page = await rawGet(ports.client, "/");
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="/src/main.tsx">');
    const entry = await rawGet(ports.client, "/src/main.tsx");
    expect(entry.status).toBe(200);
    expect(entry.body).toContain("createRoot");
    expect((await rawGet(ports.client, "/@vite/client")).status).toBe(200);
    const react = entry.body.match(/from "(\/[^"]*node_modules[^"]*react[^"]*)"/)?.[1];
    expect(react, entry.body.slice(0, 500)).toBeTruthy();
    expect((await rawGet(ports.client, react!)).status).toBe(200);
  });
});

test("an address whose percent-encoding is malformed gets the SPA's page, as from the production web server, so the app says Page not found", async () => {
  for (const rawPath of ["/tasks/%E0%A4%A", "/%E0%A4%A", "/%"]) {
    for (const accept of ["text/html,application/xhtml+xml", "*/*"]) {
      const page = await rawGet(ports.client, rawPath, { accept });
      expect(page.status, `${rawPath} (${accept})`).toBe(200);
      expect(page.body).toContain('<div id="root">');
      expect(page.headers["content-security-policy"]).toBe(DEV_CONTENT_SECURITY_POLICY);
    }
  }
  // As for any other name with an extension: a malformed file name asked for by a script stays a 404.
  expect((await rawGet(ports.client, "/src/%E0%A4%A.tsx")).status).toBe(404);
  expect((await rawGet(ports.client, "/.data/%E0%A4%A", { accept: "text/html" })).status).toBe(404);
});

test("/dev/mail through the dev server: listed for this machine's browser, refused to a page that reached it under another name (DNS rebinding)", async () => {
  // A verification link in the catcher, as a sign-up leaves it.
  const signUp = await fetch(`${spaUrl}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: spaUrl },
    body: JSON.stringify({ email: "mail-reader@example.com", password: "a long enough passphrase", name: "Reader" }),
  });
  expect(signUp.status).toBe(200);
  // The mail goes out in the background after the sign-up's answer: wait for the catcher to have it.
  await expect.poll(async () => (await rawGet(ports.client, "/dev/mail")).body, { timeout: 5_000 }).toContain("mail-reader@example.com");
  const own = await rawGet(ports.client, "/dev/mail");
  expect(own.status).toBe(200);
  expect(own.body).toContain("mail-reader@example.com");
  for (const host of [`attacker.example:${ports.client}`, "attacker.example"]) {
    const rebound = await rawGet(ports.client, "/dev/mail", { host });
    expect(rebound.status, host).not.toBe(200);
    expect(rebound.body, host).not.toContain("mail-reader@example.com");
  }
  // The auth service itself refuses such a name too, should a page reach its port directly.
  const direct = await rawGet(ports.auth, "/dev/mail", { host: `attacker.example:${ports.auth}` });
  expect(direct.status).toBe(404);
});

test("Ctrl-C stops the services, the Vite dev server and the database", async () => {
  child.kill("SIGINT");
  expect(await exited, output).toBe(0);
  // Everything is down by the time the command returns: PostgreSQL removed its lock file on a clean stop.
  expect(existsSync(path.join(dataDir, "postmaster.pid"))).toBe(false);
  expect(await Promise.all([ports.client, ports.auth, ports.api, ports.postgres].map(portIsOpen))).toEqual([false, false, false, false]);
}, 30_000);
