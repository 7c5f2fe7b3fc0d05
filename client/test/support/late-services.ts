// The built SPA served at once by the project's web server, its /api/auth and /graphql passed over HTTP to an
// auth service and an API that start only when the test says so: what a browser meets when it opens `pnpm dev`
// while the services are still starting (Vite's proxy answers 502 to every connection refused meanwhile).
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { close, listen } from "../../../server/src/http-server.ts";
import { freePort } from "../../../server/src/net/free-port.ts";
import { type RunningServices, startServices } from "../../../server/src/services.ts";
import { createWebApp, type FetchHandler } from "../../../server/src/web/web-app.ts";
import { createTestDatabase } from "../../../server/test/support/test-database.ts";
import { testEnvironment, type RunningApp } from "./app-server.ts";

export interface SpaBeforeServices extends RunningApp {
  /** Starts the auth service and the API on the ports the SPA's server passes requests to. */
  startServices(): Promise<void>;
}

/**
 * The built SPA served by the project's web server on a free port, /api/auth and /graphql passed to `ports.auth`
 * and `ports.api` (where nothing need listen yet), over a database and a mail folder of its own.
 */
export async function startSpaBehindProxies() {
  const database = await createTestDatabase();
  const ports = { client: await freePort(), auth: await freePort(), api: await freePort() };
  const mailDir = mkdtempSync(path.join(tmpdir(), "tasks-app-mail-"));
  const web: Server = await listen(
    createWebApp({
      auth: passTo(`http://127.0.0.1:${ports.auth}`),
      api: passTo(`http://127.0.0.1:${ports.api}`),
      staticDir: inject("spaDir"),
    }),
    ports.client,
    "127.0.0.1",
  );
  return {
    database,
    ports,
    mailDir,
    url: `http://localhost:${ports.client}`,
    apiUrl: `http://127.0.0.1:${ports.api}`,
    /** Stops the web server, then drops the database and the mail folder (stop the services first). */
    async stop() {
      await close(web);
      await database.drop();
      rmSync(mailDir, { recursive: true, force: true });
    },
  };
}

export async function startSpaBeforeServices(): Promise<SpaBeforeServices> {
  const spa = await startSpaBehindProxies();
  let services: RunningServices | null = null;
  return {
    url: spa.url,
    apiUrl: spa.apiUrl,
    async startServices() {
      services = await startServices(testEnvironment(spa.database.url, spa.ports, spa.mailDir), {
        auth: true,
        api: true,
        devMailPage: true,
      });
    },
    async grantAdmin() {
      throw new Error("not on this system");
    },
    async stop() {
      await services?.stop();
      await spa.stop();
    },
  };
}

/** Passes each request on to `origin` as a development proxy does; 502 when nothing answers there yet. */
export function passTo(origin: string): FetchHandler {
  return {
    async fetch(request) {
      const { pathname, search } = new URL(request.url);
      const headers = new Headers(request.headers);
      headers.delete("host");
      headers.delete("connection");
      const hasBody = request.method !== "GET" && request.method !== "HEAD";
      let answer: Response;
      try {
        answer = await fetch(new URL(pathname + search, origin), {
          method: request.method,
          headers,
          redirect: "manual",
          signal: request.signal,
          ...(hasBody ? { body: request.body, duplex: "half" } : {}),
        } as RequestInit);
      } catch {
        return new Response("", { status: 502, headers: { "content-type": "text/plain" } });
      }
      // fetch has decoded the body already.
      const passed = new Headers(answer.headers);
      for (const name of ["content-encoding", "content-length", "transfer-encoding"]) passed.delete(name);
      return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers: passed });
    },
  };
}
