// The API service's app: Yoga over the Pothos schema, with identity resolved once per request in the
// context. Built here, listened to in main.ts, so tests call `yoga.fetch` without opening a port.
import { createYoga } from "graphql-yoga";
import type { ApiConfig } from "../config.ts";
import type { Db } from "../db/client.ts";
import { schema } from "../schema/index.ts";
import { createTaskStore } from "../tasks/task-store.ts";
import { createUserStore } from "../users/user-store.ts";
import { createContextFactory, type Context } from "./context.ts";
import { createTokenVerifier, type TokenVerifier } from "./token-verifier.ts";

export interface ApiAppOptions {
  db: Db;
  config: ApiConfig;
  /** Defaults to the verifier built from config.keys. */
  verifier?: TokenVerifier;
  log?: (message: string) => void;
}

const GRAPHIQL_DEFAULT_QUERY = `# Explore the Tasks API as yourself.
#
# 1. Sign in to the auth service (or the SPA), then get a token:
#      curl -b cookies.txt http://localhost:4001/api/auth/token   ->  { "token": "<jwt>" }
# 2. Open the "Headers" tab below and paste:
#      { "Authorization": "Bearer <jwt>" }
# Without a token you are anonymous: "me" is null and task fields answer UNAUTHENTICATED.
# Tokens expire after 15 minutes; fetch a new one the same way.

query MyTasks {
  me { id email }
  tasks(first: 10) {
    totalCount
    edges { node { id title completed dueAt } }
    pageInfo { hasNextPage endCursor }
  }
}
`;

export function createApiApp({ db, config, verifier, log = () => {} }: ApiAppOptions) {
  return createYoga<Record<string, never>, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    // Never attach original error messages or stacks, whatever NODE_ENV says.
    maskedErrors: { isDev: false },
    logging: config.production ? "warn" : "info",
    graphiql: config.graphiql ? { title: "Tasks API", defaultQuery: GRAPHIQL_DEFAULT_QUERY } : false,
    cors: {
      origin: config.corsOrigins,
      credentials: false,
      methods: ["GET", "POST", "OPTIONS"],
      allowedHeaders: ["Authorization", "Content-Type"],
    },
    context: createContextFactory({
      verifier: verifier ?? createTokenVerifier(config),
      db,
      tasks: createTaskStore(db),
      users: createUserStore(db),
      logTokenRejection: (reason) => log(`token rejected: ${reason}`),
    }),
  });
}

export type ApiApp = ReturnType<typeof createApiApp>;
