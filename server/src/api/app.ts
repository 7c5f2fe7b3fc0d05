// The API service's app: Yoga over the Pothos schema, with identity resolved once per request in the
// context. Built here, listened to in main.ts, so tests call `yoga.fetch` without opening a port.
import { createAuditStore } from "../audit/audit-store.ts";
import { useDisableIntrospection } from "@graphql-yoga/plugin-disable-introspection";
import { createYoga, type Plugin } from "graphql-yoga";
import type { ApiConfig } from "../config.ts";
import { connectionStringOf, databaseHealthOf, poolUsageOf, type SqlPool } from "../db/sql-pool.ts";
import { createApiRateLimiter } from "../rate-limit/api-limits.ts";
import { createRateLimitStore } from "../rate-limit/limiter.ts";
import { schema } from "../schema/index.ts";
import { HSTS } from "../shared/hsts.ts";
import { createTaskEvents } from "../tasks/task-events.ts";
import { createTaskStore } from "../tasks/task-store.ts";
import { createUserStore } from "../users/user-store.ts";
import type { Context } from "../graphql/context.ts";
import { createContextFactory } from "./context.ts";
import { useSelfHostedGraphiQL } from "./graphiql.ts";
import { GRAPHQL_LIMITS, graphqlLimits } from "./graphql-limits.ts";
import { errorsToConsole, type Logger } from "../logging/logger.ts";
import { accessLog } from "./access-log.ts";
import { createYogaLogger } from "./yoga-logger.ts";
import { createMaskedErrors } from "./masked-errors.ts";
import { requestBodyLimit } from "./request-body-limit.ts";
import { createRequestIds, REQUEST_ID_HEADER } from "./request-id.ts";
import { createRevocationFeed, type RevocationFeed } from "../token-verification/revocation-feed.ts";
import { createStreamLimits } from "./stream-limits.ts";
import { createTokenVerifier } from "../token-verification/token-verifier.ts";
import { createDpopProofVerifier } from "../token-verification/dpop-proof.ts";
import { createProofReplayStore } from "../db/dpop-proof-use.ts";
import { createDatabaseProbe } from "../db/database-probe.ts";
import { apiReadiness } from "./readiness.ts";
import { type ApiMetrics, createApiMetrics } from "./api-metrics.ts";
import { graphqlOperationSpan } from "../tracing/graphql-operation-span.ts";

export interface ApiAppOptions {
  db: SqlPool;
  config: ApiConfig;
  /** Defaults to a feed of its own on the database's revocation_event table (one LISTEN connection). */
  revocations?: RevocationFeed;
  /**
   * Where the API's lines go (as a child { service: "api" }): one access line per request, token rejections,
   * the real error behind every "Unexpected error.", each with its request id. Default: errors only, to
   * console.error.
   */
  logger?: Logger;
  /** Defaults to the metrics config.metrics asks for (none when unset); api/service.ts passes them to serve their port. */
  metrics?: ApiMetrics;
}

const GRAPHIQL_DEFAULT_QUERY = `# Explore the Tasks API as yourself.
#
# Opened from the web app (http://localhost:5173/graphql) while you are signed in there, GraphiQL signs each
# request with your browser's key (DPoP): nothing to paste. Elsewhere (here at the API's own address, say):
# 1. Get a token: in the web app press "Copy token"; or, signed in with curl,
#      curl -b cookies.txt http://localhost:4001/api/auth/token   ->  { "token": "<jwt>", "token_type": "Bearer" }
# 2. Open the "Headers" tab below and paste:
#      { "Authorization": "Bearer <jwt>" }
# A token bound to a key ("token_type": "DPoP") works only with proofs from that key (README "Tokens bound to
# the browser"). Without a token you are anonymous: "me" is null and task fields answer UNAUTHENTICATED.
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

export function createApiApp({
  db,
  config,
  revocations,
  logger: parent = errorsToConsole(),
  metrics = createApiMetrics(config.metrics),
}: ApiAppOptions) {
  const logger = parent.child({ service: "api" });
  const componentLog = (component: string) => {
    const child = logger.child({ component });
    return (message: string) => child.warn(message);
  };
  const requestIds = createRequestIds();
  const maskedErrors = createMaskedErrors(requestIds, logger, databaseHealthOf(db));
  // Live task changes: through Redis when configured (every instance sees every write), else in process.
  const taskEvents = createTaskEvents({ redisUrl: config.redisUrl, log: componentLog("live-updates") });
  // Connects at the first token it is asked about; yoga.dispose() closes it.
  const feed =
    revocations ??
    createRevocationFeed({
      connectionString: connectionStringOf(db),
      maxStalenessMs: config.revocationMaxStalenessMs,
      horizonMs: (config.maxTokenAgeSeconds + 2 * config.clockToleranceSeconds) * 1000,
      clockToleranceMs: config.clockToleranceSeconds * 1000,
      log: componentLog("revocation-feed"),
      onEventApplied: metrics.revocationEventApplied,
    });
  // One store per app; yoga.dispose() closes its Redis connection.
  const rateLimitStore = config.rateLimit
    ? createRateLimitStore(config.rateLimit.redisUrl, (error) =>
        componentLog("rate-limit")(`rate limit store unavailable, request allowed: ${String(error)}`),
      )
    : undefined;
  const verifier = createTokenVerifier(config, feed, { onKeyFetchFailure: metrics.keyFetchFailed });
  const streams = createStreamLimits(config.liveStreams);
  metrics.watch({
    keysAgeMs: verifier.keys.ageMs,
    revocationLagMs: feed.lagMs,
    liveStreamsOpen: streams.open,
    pool: () => poolUsageOf(db),
  });
  return createYoga<Record<string, never>, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    plugins: [
      // First, so every answer is timed, /ready's included.
      ...metrics.plugins,
      apiReadiness({ databaseAnswers: createDatabaseProbe(db), keys: verifier.keys, revocations: feed }),
      requestIds.plugin,
      accessLog(logger, requestIds),
      maskedErrors.plugin,
      graphqlOperationSpan,
      // GraphiQL from the installed package, same-origin files only (Yoga's own page loads a CDN's scripts).
      ...(config.graphiql ? [useSelfHostedGraphiQL({ title: "Tasks API", defaultQuery: GRAPHIQL_DEFAULT_QUERY })] : []),
      ...graphqlLimits(config),
      // Introspection: on in development (GraphiQL's docs, codegen), off in production unless configured.
      ...((config.introspection ?? !config.production) ? [] : [useDisableIntrospection()]),
      ...(config.production ? [strictTransportSecurity] : []),
      { onDispose: () => Promise.all([rateLimitStore?.close(), feed.close(), taskEvents.close()]).then(() => {}) },
      // After every plugin that may add a request parser, so it wraps whichever parser is chosen.
      requestBodyLimit(GRAPHQL_LIMITS.maxRequestBodyBytes),
    ],
    // Yoga's default, stated: a JSON array of operations is refused with 400.
    batching: false,
    // Enforced by requestBodyLimit (request-body-limit.ts): the same limit, without a stream per request.
    maxRequestBodySize: false,
    maskedErrors: {
      // Never attach original error messages or stacks, whatever NODE_ENV says.
      isDev: false,
      // "Unexpected error." (or SERVICE_BUSY) with the request id; the real error is logged under that id.
      maskError: maskedErrors.maskError,
    },
    logging: createYogaLogger(logger.child({ component: "yoga" }), maskedErrors.logsItself),
    graphiql: false,
    // No listed origin means same-origin only: CORS off. (Yoga reflects any origin for an empty list.)
    cors:
      config.corsOrigins.length === 0
        ? false
        : {
            origin: config.corsOrigins,
            credentials: false,
            methods: ["GET", "POST", "OPTIONS"],
            // traceparent: the SPA's requests carry its user action's trace (W3C Trace Context; README "Traces").
            allowedHeaders: ["Authorization", "Content-Type", "DPoP", "traceparent"],
            // So the SPA can show the id with an error message for the user to quote, and read DPoP's challenges.
            exposedHeaders: [REQUEST_ID_HEADER, "WWW-Authenticate"],
          },
    context: createContextFactory({
      verifier,
      tasks: createTaskStore(db, {
        events: taskEvents,
        quota: config.taskLimits.quota,
        inFlightPerOwner: config.taskLimits.inFlightPerUser,
        maxWaitMs: config.taskLimits.maxWaitMs,
        onQuotaRefused: metrics.quotaRefused,
      }),
      streams,
      stepUpMaxAgeSeconds: config.stepUpMaxAgeSeconds,
      dpop: { proofs: createDpopProofVerifier(createProofReplayStore(db)), policy: config.dpop, publicOrigin: config.publicOrigin },
      users: createUserStore(db),
      audit: createAuditStore(db),
      // A client's mistake (or an attack), not the service's: info, with the reason class, never the token.
      logTokenRejection: (reason, request) => logger.info({ requestId: requestIds.of(request), reason }, "token rejected"),
      tokenRejected: metrics.tokenRejected,
      rateLimitRefused: metrics.rateLimitRefused,
      rateLimit: config.rateLimit && rateLimitStore ? createApiRateLimiter(config.rateLimit, rateLimitStore) : undefined,
    }),
  });
}

export type ApiApp = ReturnType<typeof createApiApp>;

/** Production runs behind HTTPS: every answer tells browsers to keep to it. */
const strictTransportSecurity: Plugin = {
  onResponse({ response }) {
    response.headers.set("Strict-Transport-Security", HSTS);
  },
};
