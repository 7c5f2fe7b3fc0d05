// The single-process runner's composition: the auth service and the API over one database, in one process
// (`pnpm dev`, `pnpm start`), and with both, optionally the web server for the built SPA. It alone imports
// both sides; the API still trusts only tokens it verifies against the JWKS over HTTP. The programs that run
// one service each are auth/main.ts and api/main.ts.
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import path from "node:path";
import { type ApiService, createApiService } from "./api/service.ts";
import { type AuthService, createAuthService } from "./auth/service.ts";
import { apiConfig, authConfig, logConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { close, listen } from "./http-server.ts";
import { createLogger, type Logger } from "./logging/logger.ts";
import { compileProxyTrust } from "./net/client-address.ts";
import type { RunningServices } from "./runtime/run-until-signalled.ts";
import { openServiceDatabase, type ServiceDatabase } from "./runtime/service-database.ts";
import { spaUrl } from "./web/spa-url.ts";
import { createWebApp } from "./web/web-app.ts";

export type { RunningServices };

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

export async function startServices(
  env: Env,
  which: ServiceChoice,
  logger: Logger = createLogger(logConfig(env)),
): Promise<RunningServices> {
  // Configuration first: a production service without its secrets stops before touching anything.
  const authSettings = which.auth ? authConfig(env) : undefined;
  const apiSettings = which.api ? apiConfig(env) : undefined;
  const spa = which.spa;
  if (spa?.kind === "static") {
    if (!authSettings || !apiSettings)
      throw new Error("The web server serves the SPA with the auth service and the API in the same process.");
    if (!existsSync(path.join(spa.directory, "index.html"))) {
      throw new Error(`The SPA is not built (no ${path.join(spa.directory, "index.html")}): run \`pnpm build\` first.`);
    }
  }

  const servers: Server[] = [];
  let database: ServiceDatabase | undefined;
  let auth: AuthService | undefined;
  let api: ApiService | undefined;
  const stop = async () => {
    await Promise.all(servers.map(close));
    await auth?.close();
    // Closes the API's revocation feed, live-update and rate-limit connections before the database goes.
    await api?.dispose();
    await database?.close();
  };
  // Every port reads the client's address the same way (X-Forwarded-For only from TRUSTED_PROXIES).
  const serve = { trustProxy: compileProxyTrust(env.TRUSTED_PROXIES) };
  try {
    const name = authSettings && apiSettings ? "tasks" : apiSettings ? "tasks-api" : "tasks-auth";
    // The pool is both services' here: its outage line names the program.
    database = await openServiceDatabase(env, name, logger.child({ service: name }));
    const lines: string[] = [];
    auth = authSettings ? await createAuthService(env, database.pool, { devMailPage: which.devMailPage }, authSettings, logger) : undefined;
    api = apiSettings ? createApiService(env, database.pool, apiSettings, logger) : undefined;
    if (spa?.kind === "static" && auth && api) {
      servers.push(
        await listen(createWebApp({ auth: auth.app, api: api.app, staticDir: spa.directory }), env.CLIENT_PORT, env.HOST, serve),
      );
      lines.push(`Web app       ${spaUrl(env)}   (the built SPA; /api/auth and /graphql on the same origin)`);
    }
    // With the Vite dev server (`pnpm dev`), web/dev.ts names the app's address once everything answers.
    if (auth) {
      servers.push(await listen(auth.app, env.AUTH_PORT, env.HOST, serve));
      lines.push(auth.lines[0]!);
    }
    if (api) {
      servers.push(await listen(api.app, env.API_PORT, env.HOST, serve));
      lines.push(...api.lines);
    }
    // Each service's metrics on its own port (API_METRICS_PORT, AUTH_METRICS_PORT): two registries, no clash.
    for (const metrics of [auth?.metricsPort, api?.metricsPort]) {
      if (metrics) servers.push(await listen(metrics.listener, metrics.port, env.HOST));
    }
    if (auth) lines.push(...auth.lines.slice(1));
    lines.push(`Database      ${database.database.description}`);
    return { lines, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
