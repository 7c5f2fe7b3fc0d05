// Starts the services over one database: the auth service, the API, or both in one process (the
// development default), and with both, optionally the web server for the built SPA. The API still trusts
// only tokens it verifies against the JWKS over HTTP.
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import path from "node:path";
import { createApiApp } from "./api/app.ts";
import { createAuthApp } from "./auth/app.ts";
import { createAuth } from "./auth/auth.ts";
import { apiConfig, authConfig, databaseLimits } from "./config.ts";
import { createDb } from "./db/client.ts";
import { openDatabase } from "./db/database.server.ts";
import { migrateDatabase } from "./db/migrate.server.ts";
import { readEnv, type Env } from "./env.ts";
import { close, listen } from "./http-server.ts";
import { type OpenMail, openMail } from "./mail/open-mail.server.ts";
import { compileProxyTrust } from "./net/client-address.ts";
import { spaUrl } from "./web/spa-url.ts";
import { createWebApp } from "./web/web-app.ts";

export interface RunningServices {
  lines: string[];
  stop(): Promise<void>;
}

/**
 * The SPA: served from its build by this process on CLIENT_PORT (`pnpm start`), or by the Vite dev server
 * that `pnpm dev` runs beside this process (web/dev.ts prints its address once everything answers).
 */
export type SpaOptions = { kind: "static"; directory: string } | { kind: "vite-dev-server" };

export interface ServiceChoice {
  auth: boolean;
  api: boolean;
  spa?: SpaOptions;
  /**
   * Development's /dev/mail page, listing the caught mail (reset and verification links): only the
   * development runner (`pnpm dev`) serves it, and only to loopback clients; `pnpm start` never does.
   */
  devMailPage?: boolean;
}

export async function startServices(env: Env, which: ServiceChoice): Promise<RunningServices> {
  // Configuration first: a production service without its secrets stops before touching anything.
  const auth = which.auth ? authConfig(env) : undefined;
  const api = which.api ? apiConfig(env) : undefined;
  const spa = which.spa;
  if (spa?.kind === "static") {
    if (!auth || !api) throw new Error("The web server serves the SPA with the auth service and the API in the same process.");
    if (!existsSync(path.join(spa.directory, "index.html"))) {
      throw new Error(`The SPA is not built (no ${path.join(spa.directory, "index.html")}): run \`pnpm build\` first.`);
    }
  }

  const database = await openDatabase(env);
  const servers: Server[] = [];
  const db = createDb(database.url, {
    ...databaseLimits(env),
    // Named per program, so an operator (and the fault tests) can tell whose connections are whose.
    applicationName: api && auth ? "tasks" : api ? "tasks-api" : "tasks-auth",
    log: (message) => console.warn(`[database] ${message}`),
  });
  let yoga: ReturnType<typeof createApiApp> | undefined;
  let mail: OpenMail | undefined;
  const stop = async () => {
    await Promise.all(servers.map(close));
    await mail?.close();
    // Closes the API's revocation feed, live-update and rate-limit connections before the database goes.
    await yoga?.dispose();
    await db.$disconnect();
    await database.stop();
  };
  // Every port reads the client's address the same way (X-Forwarded-For only from TRUSTED_PROXIES).
  const serve = { trustProxy: compileProxyTrust(env.TRUSTED_PROXIES) };
  try {
    await migrateDatabase(database.url);
    const lines: string[] = [];
    mail = auth ? await openMail(auth.mail, (line) => console.log(`[mail] ${line}`)) : undefined;
    const authLog = (message: string) => console.warn(`[auth] ${message}`);
    const authApp =
      auth && mail
        ? createAuthApp(createAuth(db, auth, { mailer: mail.mailer, log: authLog }), {
            devMail: which.devMailPage ? mail.catcher : undefined,
          })
        : undefined;
    yoga = api ? createApiApp({ db, config: api, log: (message) => console.warn(`[api] ${message}`) }) : undefined;
    if (spa?.kind === "static" && authApp && yoga) {
      servers.push(await listen(createWebApp({ auth: authApp, api: yoga, staticDir: spa.directory }), env.CLIENT_PORT, env.HOST, serve));
      lines.push(`Web app       ${spaUrl(env)}   (the built SPA; /api/auth and /graphql on the same origin)`);
    }
    // With the Vite dev server (`pnpm dev`), web/dev.ts names the app's address once everything answers.
    if (authApp) {
      servers.push(await listen(authApp, env.AUTH_PORT, env.HOST, serve));
      lines.push(`Auth service  http://${env.HOST}:${env.AUTH_PORT}/api/auth   (JWKS: /api/auth/jwks)`);
    }
    if (api && yoga) {
      servers.push(await listen(yoga, env.API_PORT, env.HOST, serve));
      lines.push(`GraphQL API   http://${env.HOST}:${env.API_PORT}/graphql${api.graphiql ? "   (open it in a browser for GraphiQL)" : ""}`);
      lines.push(`Token keys    ${describeKeys(api.keys)}`);
    }
    if (mail) lines.push(`Mail          ${mail.description}`);
    lines.push(`Database      ${database.description}`);
    return { lines, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function describeKeys(keys: ReturnType<typeof apiConfig>["keys"]): string {
  switch (keys.kind) {
    case "remote-jwks":
      return `JWKS from ${keys.url}`;
    case "static-jwks":
      return "static JWKS from API_JWKS";
    case "shared-secret":
      return "shared secret (HS256, JWT_SHARED_SECRET)";
  }
}

/** Runs until SIGINT/SIGTERM, then shuts down cleanly (the embedded PostgreSQL included). */
export async function runUntilSignalled(start: (env: Env) => Promise<RunningServices>, banner: string): Promise<void> {
  let running: RunningServices;
  try {
    running = await start(readEnv());
  } catch (error) {
    console.error(`\n${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  console.log(`\n${banner}\n  ${running.lines.join("\n  ")}\n`);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await running.stop();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  process.on("SIGHUP", shutdown);
}
