// The project's API as production runs it: its real app (src/api/app.ts) over its real Prisma client,
// configuration derived by the real config code from a production environment (GraphiQL off), the
// static key set the other servers use, pool size 10, served by src/http-server.ts. Request rate limits
// stay on (their cost is part of production) but so high that the benchmark's load never reaches them.
// Started with --dpop-required (the project-dpop row), the same with API_DPOP=required: a bearer token is
// refused, so every answered request was a DPoP-bound token with a proof the API checked.
import { pathToFileURL } from "node:url";
import { createApiApp } from "../../src/api/app.ts";
import { apiConfig, type DpopPolicy } from "../../src/config.ts";
import { closeSqlPool, createSqlPool, type SqlPool } from "../../src/db/sql-pool.ts";
import { readEnv } from "../../src/env.ts";
import { close, listen } from "../../src/http-server.ts";
import { DPOP_REQUIRED_ARGUMENT } from "./catalogue.ts";
import { HOST, serve, type ServerSettings } from "./child-runtime.ts";

const LIMIT_NEVER_REACHED = 1_000_000_000;

/**
 * `adjust` lets a variant change the database client before the app uses it (project-api-without-rls.ts);
 * `dpop` is API_DPOP, set either way so a change of the API's default moves no row: allowed (the bearer tokens
 * every other row presents), or required (project-dpop).
 */
export async function startProjectApi(settings: ServerSettings, adjust: (db: SqlPool) => void = () => {}, dpop: DpopPolicy = "allowed") {
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
      API_DPOP: dpop,
      // Off for the benchmark's rows (their default); the soak reads the API's own figures there.
      ...(settings.metricsToken ? { METRICS_TOKEN: settings.metricsToken } : {}),
    }),
  );
  if (!config.production || config.graphiql) throw new Error("the project's API must run with production settings");
  if (config.dpop !== dpop) throw new Error(`the project's API runs with API_DPOP=${config.dpop}, not ${dpop}`);
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
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const dpop: DpopPolicy = process.argv.slice(2).includes(DPOP_REQUIRED_ARGUMENT) ? "required" : "allowed";
  serve((settings) => startProjectApi(settings, undefined, dpop));
}
