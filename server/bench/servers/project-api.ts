// The project's API as production runs it: its real app (src/api/app.ts) over its real Prisma client,
// configuration derived by the real config code from a production environment (GraphiQL off), the
// static key set the other servers use, pool size 10, served by src/http-server.ts. Request rate limits
// stay on (their cost is part of production) but so high that the benchmark's load never reaches them.
import { pathToFileURL } from "node:url";
import { createApiApp } from "../../src/api/app.ts";
import { apiConfig } from "../../src/config.ts";
import { closeSqlPool, createSqlPool, type SqlPool } from "../../src/db/sql-pool.ts";
import { readEnv } from "../../src/env.ts";
import { close, listen } from "../../src/http-server.ts";
import { HOST, serve, type ServerSettings } from "./child-runtime.ts";

const LIMIT_NEVER_REACHED = 1_000_000_000;

/** `adjust` lets a variant change the database client before the app uses it (project-api-without-rls.ts). */
export async function startProjectApi(settings: ServerSettings, adjust: (db: SqlPool) => void = () => {}) {
  const config = apiConfig(
    readEnv({
      NODE_ENV: "production",
      DATABASE_URL: settings.databaseUrl,
      // Loopback only: plain http between the load tool and the server, as for every other server.
      ALLOW_INSECURE_HTTP: "true",
      API_JWKS: settings.keys.jwks,
      JWT_ISSUER: settings.keys.issuer,
      JWT_AUDIENCE: settings.keys.audience,
      // The bench users' tokens last 2 hours (bench-users.ts): the API bounds token age by the same lifetime.
      JWT_EXPIRATION: "2h",
      JWT_CLOCK_TOLERANCE_SECONDS: String(settings.keys.clockToleranceSeconds),
      API_REQUESTS_PER_MINUTE_PER_USER: String(LIMIT_NEVER_REACHED),
      API_REQUESTS_PER_MINUTE_PER_IP: String(LIMIT_NEVER_REACHED),
      // The live benchmark opens a thousand streams from one address.
      API_LIVE_STREAMS_PER_USER: String(LIMIT_NEVER_REACHED),
      API_LIVE_STREAMS_PER_IP: String(LIMIT_NEVER_REACHED),
    }),
  );
  if (!config.production || config.graphiql) throw new Error("the project's API must run with production settings");
  // The pool alone, as the API program holds it (no Prisma Client in the API process).
  const db = createSqlPool(settings.databaseUrl, { poolSize: settings.poolSize });
  adjust(db);
  const server = await listen(createApiApp({ db, config }), 0, HOST);
  return {
    port: (server.address() as { port: number }).port,
    async stop() {
      await close(server);
      await closeSqlPool(db);
    },
  };
}

// Run as the benchmark's child process (not when imported by a variant).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) serve((settings) => startProjectApi(settings));
