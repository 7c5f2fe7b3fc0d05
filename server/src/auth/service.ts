// The auth service as a program part: Better Auth over a database, its mail, and how it is described at
// start. The auth program (main.ts) runs it alone; the single-process runner (../services.ts) beside the API.
// Nothing here reaches the API, its schema or the task store.
import type { Server } from "node:http";
import { authConfig, type AuthConfig, logConfig } from "../config.ts";
import { createPrismaOn } from "../db/client.ts";
import type { SqlPool } from "../db/sql-pool.ts";
import type { Env } from "../env.ts";
import { createLogger, type Logger } from "../logging/logger.ts";
import { close, listen } from "../http-server.ts";
import { type OpenMail, openMail } from "../mail/open-mail.server.ts";
import { compileProxyTrust } from "../net/client-address.ts";
import type { RunningServices } from "../runtime/run-until-signalled.ts";
import { openServiceDatabase } from "../runtime/service-database.ts";
import { type AuthApp, createAuthApp } from "./app.ts";
import { createAuth } from "./auth.ts";
import { createDatabaseProbe } from "../db/database-probe.ts";
import { authReadiness } from "./readiness.ts";
import { createAuthMetrics } from "./auth-metrics.ts";
import { describeMetrics, metricsListener } from "../metrics/metrics-endpoint.ts";

export interface AuthServiceOptions {
  /**
   * Development's /dev/mail page, listing the caught mail (reset and verification links): only the
   * development runner (`pnpm dev`) serves it, and only to loopback clients; `pnpm start` never does.
   */
  devMailPage?: boolean;
}

export interface AuthService {
  app: AuthApp;
  /** What to print once it listens on AUTH_PORT. */
  lines: string[];
  /** GET /metrics on a port of its own (AUTH_METRICS_PORT), when configured. */
  metricsPort?: { port: number; listener: ReturnType<typeof metricsListener> };
  /** Stops the mail catcher or closes the SMTP transport, and lets go of Prisma (the pool stays open). */
  close(): Promise<void>;
}

export async function createAuthService(
  env: Env,
  pool: SqlPool,
  options: AuthServiceOptions = {},
  config: AuthConfig = authConfig(env),
  parentLogger: Logger = createLogger(logConfig(env)),
): Promise<AuthService> {
  // The development catcher's line names each caught mail and its link, for the developer at the terminal.
  const catcherLog = parentLogger.child({ service: "auth", component: "mail-catcher" });
  const mail: OpenMail = await openMail(config.mail, (line) => catcherLog.info(line));
  // Prisma is the auth service's alone (Better Auth's adapter, keys, roles, audit writes), on the shared pool.
  const db = createPrismaOn(pool);
  const auth = createAuth(db, config, { mailer: mail.mailer, logger: parentLogger });
  const metrics = createAuthMetrics(config.metrics);
  const metricsPort =
    metrics.portHandler && config.metrics?.port !== undefined
      ? { port: config.metrics.port, listener: metricsListener(metrics.portHandler) }
      : undefined;
  return {
    ...(metricsPort ? { metricsPort } : {}),
    app: createAuthApp(auth, {
      devMail: options.devMailPage ? mail.catcher : undefined,
      readiness: authReadiness({ databaseAnswers: createDatabaseProbe(pool), auth, config }),
      metrics,
    }),
    lines: [
      `Auth service  http://${env.HOST}:${env.AUTH_PORT}/api/auth   (JWKS: /api/auth/jwks)`,
      `Mail          ${mail.description}`,
      ...(config.metrics ? [`Auth metrics  ${describeMetrics(env.HOST, config.metrics, env.AUTH_PORT)}`] : []),
    ],
    close: async () => {
      await mail.close();
      await db.$disconnect();
    },
  };
}

/** The auth program: its database, its app on AUTH_PORT. */
export async function startAuthService(
  env: Env,
  options: AuthServiceOptions = {},
  logger: Logger = createLogger(logConfig(env)),
): Promise<RunningServices> {
  const config = authConfig(env);
  const { database, pool, close: closeDatabase } = await openServiceDatabase(env, "tasks-auth", logger.child({ service: "auth" }));
  let service: AuthService | undefined;
  const servers: Server[] = [];
  const stop = async () => {
    await Promise.all(servers.map(close));
    await service?.close();
    await closeDatabase();
  };
  try {
    service = await createAuthService(env, pool, options, config, logger);
    servers.push(await listen(service.app, env.AUTH_PORT, env.HOST, { trustProxy: compileProxyTrust(env.TRUSTED_PROXIES) }));
    if (service.metricsPort) servers.push(await listen(service.metricsPort.listener, service.metricsPort.port, env.HOST));
  } catch (error) {
    await stop();
    throw error;
  }
  return { lines: [...service.lines, `Database      ${database.description}`], stop };
}
