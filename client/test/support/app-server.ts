// A whole running system per test file, started by the same code as `pnpm start`: the auth service, the
// API and the web server serving the built SPA, on free ports, over a database of this file's own (cloned
// by the server suite's helpers from the run's migrated template on the temporary embedded PostgreSQL).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { setRole } from "../../../server/src/auth/roles.ts";
import { createDb } from "../../../server/src/db/client.ts";
import { readEnv } from "../../../server/src/env.ts";
import { startServices } from "../../../server/src/services.ts";
import { freePort } from "../../../server/src/net/free-port.ts";
import { createTestDatabase } from "../../../server/test/support/test-database.ts";

export interface RunningApp {
  /** The SPA's origin, e.g. http://localhost:43125 */
  url: string;
  /** The API's own address (its GraphQL endpoint is `${apiUrl}/graphql`). */
  apiUrl: string;
  /** What an operator does with `pnpm admin:grant <email>`, on this app's database. */
  grantAdmin(email: string): Promise<void>;
  stop(): Promise<void>;
}

export interface AppPorts {
  client: number;
  auth: number;
  api: number;
}

/** The environment the test system's services read: the test defaults, with `env` over them. */
export function testEnvironment(databaseUrl: string, ports: AppPorts, mailDir: string, env: Record<string, string> = {}) {
  return readEnv({
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl,
    CLIENT_PORT: String(ports.client),
    AUTH_PORT: String(ports.auth),
    API_PORT: String(ports.api),
    // The address people open, as in production: mailed links land on the SPA's origin, so the session
    // cookie a verification link sets is the SPA's.
    AUTH_BASE_URL: `http://localhost:${ports.client}`,
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
    // Every test signs up its own users from one address, quickly: the rate limits have tests of their own.
    AUTH_SIGN_IN_PER_MINUTE: "0",
    AUTH_SIGN_UP_PER_MINUTE: "0",
    API_REQUESTS_PER_MINUTE_PER_USER: "0",
    API_REQUESTS_PER_MINUTE_PER_IP: "0",
    MAIL_CATCHER_DIR: mailDir,
    ...env,
  });
}

/** Tries at starting the services on ports found free (see startApp). */
const PORT_TRIES = 3;

/** `env` overrides the test defaults, e.g. { JWT_EXPIRATION: "8s" }. */
export async function startApp(env: Record<string, string> = {}): Promise<RunningApp> {
  const database = await createTestDatabase();
  // The development mail catcher, in a folder of this file's own; /dev/mail lists what it caught.
  const mailDir = mkdtempSync(path.join(tmpdir(), "tasks-app-mail-"));
  let services: Awaited<ReturnType<typeof startServices>>;
  let clientPort: number;
  let apiPort: number;
  // A port found free can be taken by another process before a service listens on it (seen once in CI:
  // EADDRINUSE); startServices then stops what it started, and the ports are picked again.
  for (let attempt = 1; ; attempt += 1) {
    clientPort = await freePort();
    const authPort = await freePort();
    apiPort = await freePort();
    try {
      services = await startServices(
        testEnvironment(database.url, { client: clientPort, auth: authPort, api: apiPort }, mailDir, env),
        // The tests read mail as a developer does, on /dev/mail (which `pnpm start` itself never serves).
        { auth: true, api: true, spa: { kind: "static", directory: inject("spaDir") }, devMailPage: true },
      );
      break;
    } catch (error) {
      if (attempt < PORT_TRIES && (error as NodeJS.ErrnoException).code === "EADDRINUSE") continue;
      await database.drop();
      throw error;
    }
  }
  const running = services;
  return {
    url: `http://localhost:${clientPort}`,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    async grantAdmin(email) {
      const db = createDb(database.url);
      try {
        const change = await setRole(db, email, "admin");
        if (change !== "changed") throw new Error(`could not make ${email} admin: ${change}`);
      } finally {
        await db.$disconnect();
      }
    },
    async stop() {
      await running.stop();
      await database.drop();
      rmSync(mailDir, { recursive: true, force: true });
    },
  };
}
