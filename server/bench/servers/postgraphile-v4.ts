// PostGraphile 4 (installed as "postgraphile-v4"), set up like the v5 server: its middleware on
// node:http, the token verified with the same jose checks in pgSettings, row-level security deciding
// what each request sees, a non-superuser connection, grants respected (ignoreRBAC false), no query log.
import { createServer } from "node:http";
import pg from "pg";
import { postgraphile } from "postgraphile-v4";
import { listenOnFreePort, serve } from "./child-runtime.ts";
import { createJoseVerifier } from "./jose-verifier.ts";

serve(async (settings) => {
  const verify = createJoseVerifier(settings.keys);
  const pool = new pg.Pool({ connectionString: settings.postgraphileDatabaseUrl, max: settings.poolSize });
  const middleware = postgraphile(pool, "public", {
    graphqlRoute: "/graphql",
    graphiql: false,
    ignoreRBAC: false,
    disableQueryLog: true,
    retryOnInitFail: false,
    setofFunctionsContainNulls: false,
    pgSettings: async (request) => ({ "jwt.claims.sub": await verify(request.headers.authorization) }),
  });
  // Build the schema before reporting ready, so start-up is never measured.
  await middleware.getGraphQLSchema();
  const server = createServer(middleware);
  return listenOnFreePort(server, async () => {
    await middleware.release();
    await pool.end();
  });
});
