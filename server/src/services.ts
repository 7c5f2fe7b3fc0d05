// Starts the services over one database: the auth service, the API, or both in one process (the
// development default). The API still trusts only tokens it verifies against the JWKS over HTTP.
import type { Server } from "node:http";
import { createApiApp } from "./api/app.ts";
import { createAuthApp } from "./auth/app.ts";
import { createAuth } from "./auth/auth.ts";
import { apiConfig, authConfig } from "./config.ts";
import { createDb } from "./db/client.ts";
import { openDatabase } from "./db/database.server.ts";
import { migrateDatabase } from "./db/migrate.server.ts";
import { readEnv, type Env } from "./env.ts";
import { close, listen } from "./http-server.ts";

export interface RunningServices {
  lines: string[];
  stop(): Promise<void>;
}

export async function startServices(env: Env, which: { auth: boolean; api: boolean }): Promise<RunningServices> {
  // Configuration first: a production service without its secrets stops before touching anything.
  const auth = which.auth ? authConfig(env) : undefined;
  const api = which.api ? apiConfig(env) : undefined;

  const database = await openDatabase(env);
  const servers: Server[] = [];
  const db = createDb(database.url);
  const stop = async () => {
    await Promise.all(servers.map(close));
    await db.$disconnect();
    await database.stop();
  };
  try {
    await migrateDatabase(database.url);
    const lines: string[] = [];
    if (auth) {
      servers.push(await listen(createAuthApp(createAuth(db, auth)), env.AUTH_PORT, env.HOST));
      lines.push(`Auth service  http://${env.HOST}:${env.AUTH_PORT}/api/auth   (JWKS: /api/auth/jwks)`);
    }
    if (api) {
      const yoga = createApiApp({ db, config: api, log: (message) => console.warn(`[api] ${message}`) });
      servers.push(await listen(yoga, env.API_PORT, env.HOST));
      lines.push(
        `GraphQL API   http://${env.HOST}:${env.API_PORT}/graphql` + (api.graphiql ? "   (open it in a browser for GraphiQL)" : ""),
      );
      lines.push(`Token keys    ${describeKeys(api.keys)}`);
    }
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
}
