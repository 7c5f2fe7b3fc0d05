// `pnpm dev` (server/src/web/dev.ts): one command starts the services and the Vite dev server, names the
// SPA's address, serves it on one origin, and one Ctrl-C (SIGINT) stops everything, the embedded
// PostgreSQL included.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { freePort } from "../../../server/test/support/free-port.ts";
import { clientDir } from "../support/build-spa.ts";

const serverDir = path.join(clientDir, "..", "server");
const dataDir = mkdtempSync(path.join(os.tmpdir(), "tasks-dev-postgres-"));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

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

test("pnpm dev starts the services and the Vite dev server together, and Ctrl-C stops both and the database", async () => {
  const [clientPort, authPort, apiPort, postgresPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const { DATABASE_URL: _external, ...environment } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", "src/web/dev.ts"], {
    cwd: serverDir,
    env: {
      ...environment,
      NODE_ENV: "development",
      HOST: "127.0.0.1",
      CLIENT_PORT: String(clientPort),
      AUTH_PORT: String(authPort),
      API_PORT: String(apiPort),
      EMBEDDED_POSTGRES_PORT: String(postgresPort),
      EMBEDDED_POSTGRES_DIR: dataDir,
      BETTER_AUTH_SECRET: "a-dev-command-test-secret-0123456789abcdef",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  try {
    const spaUrl = `http://localhost:${clientPort}`;
    await expect.poll(() => output, { timeout: 60_000, interval: 200 }).toContain(`Web app       ${spaUrl}`);
    await expect.poll(() => portIsOpen(clientPort), { timeout: 20_000, interval: 200 }).toBe(true);

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
  } finally {
    child.kill("SIGINT");
  }

  expect(await exited, output).toBe(0);
  // Everything is down by the time the command returns: PostgreSQL removed its lock file on a clean stop.
  expect(existsSync(path.join(dataDir, "postmaster.pid"))).toBe(false);
  expect(await Promise.all([clientPort, authPort, apiPort, postgresPort].map(portIsOpen))).toEqual([false, false, false, false]);
}, 120_000);
