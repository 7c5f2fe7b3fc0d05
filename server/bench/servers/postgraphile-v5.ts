// PostGraphile 5 as its documentation recommends running it: Amber preset, grafserv on node:http, the
// token verified in the Grafast context (same jose checks as every server) and handed to PostgreSQL as
// `jwt.claims.sub` through pgSettings, so row-level security decides what each request sees. It connects
// as a role that is not a superuser. Needs Promise.withResolvers (Node 22): the orchestrator preloads
// promise-with-resolvers.mjs with --import on Node 20.
import { createServer } from "node:http";
import type {} from "postgraphile";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { listenOnFreePort, serve } from "./child-runtime.ts";
import { createJoseVerifier } from "./jose-verifier.ts";

serve(async (settings) => {
  const verify = createJoseVerifier(settings.keys);
  const preset: GraphileConfig.Preset = {
    extends: [PostGraphileAmberPreset],
    pgServices: [
      makePgService({
        connectionString: settings.postgraphileDatabaseUrl,
        schemas: ["public"],
        poolConfig: { max: settings.poolSize },
      }),
    ],
    grafserv: { graphqlPath: "/graphql", graphiql: false, watch: false },
    grafast: {
      explain: false,
      async context(requestContext) {
        const userId = await verify(requestContext.node?.req.headers.authorization);
        return { pgSettings: { "jwt.claims.sub": userId } };
      },
    },
  };
  const instance = postgraphile(preset);
  const serv = instance.createServ(grafserv);
  const server = createServer();
  await serv.addTo(server);
  // Build the schema before reporting ready, so start-up is never measured.
  await instance.getSchema();
  // Releasing the instance releases the grafserv instance too.
  return listenOnFreePort(server, () => instance.release());
});
