// The API service as a program part: its app over a database, and how it is described at start. The API
// program (main.ts) runs it alone; the single-process runner (../services.ts) beside the auth service.
// Nothing here reaches the auth service: the API trusts only tokens it verifies against the JWKS.
import type { Server } from "node:http";
import { apiConfig, type ApiConfig, logConfig } from "../config.ts";
import type { SqlPool } from "../db/sql-pool.ts";
import type { Env } from "../env.ts";
import { createLogger, type Logger } from "../logging/logger.ts";
import { close, listen } from "../http-server.ts";
import { compileProxyTrust } from "../net/client-address.ts";
import type { RunningServices } from "../runtime/run-until-signalled.ts";
import { openServiceDatabase } from "../runtime/service-database.ts";
import { describeMetrics, metricsListener } from "../metrics/metrics-endpoint.ts";
import { createApiMetrics } from "./api-metrics.ts";
import { type ApiApp, createApiApp } from "./app.ts";

export interface ApiService {
  app: ApiApp;
  /** What to print once it listens on API_PORT. */
  lines: string[];
  /** GET /metrics on a port of its own (API_METRICS_PORT), when configured. */
  metricsPort?: { port: number; listener: ReturnType<typeof metricsListener> };
  /** Closes the revocation feed, live-update and rate-limit connections (before the database goes). */
  dispose(): Promise<void>;
}

/** Configuration first: a production API without its settings stops before touching anything. */
export function createApiService(env: Env, db: SqlPool, config: ApiConfig = apiConfig(env), logger?: Logger): ApiService {
  const metrics = createApiMetrics(config.metrics);
  const app = createApiApp({ db, config, metrics, logger: logger ?? createLogger(logConfig(env)) });
  const metricsPort =
    metrics.portHandler && config.metrics?.port !== undefined
      ? { port: config.metrics.port, listener: metricsListener(metrics.portHandler) }
      : undefined;
  return {
    app,
    lines: [
      `GraphQL API   http://${env.HOST}:${env.API_PORT}/graphql${config.graphiql ? "   (open it in a browser for GraphiQL)" : ""}`,
      `Token keys    ${describeKeys(config.keys)}`,
      ...(config.metrics ? [`API metrics   ${describeMetrics(env.HOST, config.metrics, env.API_PORT)}`] : []),
    ],
    ...(metricsPort ? { metricsPort } : {}),
    dispose: async () => {
      await app.dispose();
    },
  };
}

/** The API program: its database, its app on API_PORT. */
export async function startApiService(env: Env, logger: Logger = createLogger(logConfig(env))): Promise<RunningServices> {
  const config = apiConfig(env);
  const { database, pool, close: closeDatabase } = await openServiceDatabase(env, "tasks-api", logger.child({ service: "api" }));
  const service = createApiService(env, pool, config, logger);
  const servers: Server[] = [];
  const stop = async () => {
    await Promise.all(servers.map(close));
    await service.dispose();
    await closeDatabase();
  };
  try {
    servers.push(await listen(service.app, env.API_PORT, env.HOST, { trustProxy: compileProxyTrust(env.TRUSTED_PROXIES) }));
    if (service.metricsPort) servers.push(await listen(service.metricsPort.listener, service.metricsPort.port, env.HOST));
  } catch (error) {
    await stop();
    throw error;
  }
  return { lines: [...service.lines, `Database      ${database.description}`], stop };
}

function describeKeys(keys: ApiConfig["keys"]): string {
  switch (keys.kind) {
    case "remote-jwks":
      return `JWKS from ${keys.url}`;
    case "static-jwks":
      return "static JWKS from API_JWKS";
    case "shared-secret":
      return "shared secret (HS256, JWT_SHARED_SECRET)";
  }
}
