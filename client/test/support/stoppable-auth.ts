// The built SPA served by the project's web server, its /api/auth and /graphql passed over HTTP to an auth
// service and an API started apart, so the test can stop the auth service (an outage, a deploy gone wrong) and
// start it again on the same port while the API and the page go on.
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { close, listen } from "../../../server/src/http-server.ts";
import { freePort } from "../../../server/src/net/free-port.ts";
import { type RunningServices, startServices } from "../../../server/src/services.ts";
import { createWebApp } from "../../../server/src/web/web-app.ts";
import { createTestDatabase } from "../../../server/test/support/test-database.ts";
import { testEnvironment, type RunningApp } from "./app-server.ts";
import { passTo } from "./late-services.ts";

export interface AppWithStoppableAuth extends RunningApp {
  stopAuth(): Promise<void>;
  startAuth(): Promise<void>;
}

/** `env` overrides the test defaults for both services, e.g. { JWT_EXPIRATION: "8s" }. */
export async function startAppWithStoppableAuth(env: Record<string, string> = {}): Promise<AppWithStoppableAuth> {
  const database = await createTestDatabase();
  const ports = { client: await freePort(), auth: await freePort(), api: await freePort() };
  const mailDir = mkdtempSync(path.join(tmpdir(), "tasks-app-mail-"));
  // The proxy here does not keep the browser's Host: the API learns the address proofs name (htu) from this.
  const environment = testEnvironment(database.url, ports, mailDir, { API_PUBLIC_ORIGIN: `http://localhost:${ports.client}`, ...env });
  const web: Server = await listen(
    createWebApp({
      auth: passTo(`http://127.0.0.1:${ports.auth}`),
      api: passTo(`http://127.0.0.1:${ports.api}`),
      staticDir: inject("spaDir"),
    }),
    ports.client,
    "127.0.0.1",
  );
  const api: RunningServices = await startServices(environment, { auth: false, api: true });
  let auth: RunningServices | null = await startServices(environment, { auth: true, api: false, devMailPage: true });
  return {
    url: `http://localhost:${ports.client}`,
    apiUrl: `http://127.0.0.1:${ports.api}`,
    async stopAuth() {
      await auth?.stop();
      auth = null;
    },
    async startAuth() {
      auth ??= await startServices(environment, { auth: true, api: false, devMailPage: true });
    },
    async grantAdmin() {
      throw new Error("not on this system");
    },
    async stop() {
      await close(web);
      await auth?.stop();
      await api.stop();
      await database.drop();
      rmSync(mailDir, { recursive: true, force: true });
    },
  };
}
