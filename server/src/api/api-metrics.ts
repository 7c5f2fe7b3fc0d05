// The API's metrics (README "Operating it"). Each figure is counted where its decision is made, through the
// small functions here handed to the verifier, the context, the task store and the rate limiter, so none of
// them imports prom-client or a global. Without a metrics setting every function does nothing and no
// registry exists. No label carries a user id, an email, a token, an address or a raw path.
import { getOperationAST, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { Counter, Gauge, Histogram } from "prom-client";
import type { MetricsConfig } from "../config.ts";
import { type MetricsHandler, metricsEndpoint } from "../metrics/metrics-endpoint.ts";
import { commonRoute, createMetricsRegistry, requestDurations } from "../metrics/metrics-registry.ts";
import { TOKEN_REJECTION_REASONS, type TokenRejectionReason } from "../token-verification/token-verifier.ts";

export type RateLimitName = "ip" | "user";

/** What the gauges read when Prometheus scrapes: values the components already keep. */
export interface ApiGaugeSources {
  keysAgeMs(): number | undefined;
  revocationLagMs(): number | undefined;
  liveStreamsOpen(): number;
  pool(): { inUse: number; waiting: number };
}

export interface ApiMetrics {
  tokenRejected(reason: TokenRejectionReason): void;
  rateLimitRefused(limit: RateLimitName): void;
  quotaRefused(): void;
  keyFetchFailed(): void;
  revocationEventApplied(): void;
  /** Gives the gauges their sources, once the components exist. */
  watch(sources: ApiGaugeSources): void;
  /** Request and operation durations, and /metrics on the API's port when a token (and no port) is configured. */
  plugins: Plugin[];
  /** For the metrics port (api/service.ts); undefined unless one is configured. */
  portHandler?: MetricsHandler;
}

const NO_METRICS: ApiMetrics = {
  tokenRejected() {},
  rateLimitRefused() {},
  quotaRefused() {},
  keyFetchFailed() {},
  revocationEventApplied() {},
  watch() {},
  plugins: [],
};

/** An operation name as a label: a GraphQL name of sensible length, among the first few hundred seen. */
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_OPERATION_NAMES = 200;

export function createApiMetrics(config: MetricsConfig | undefined): ApiMetrics {
  if (!config) return NO_METRICS;
  const registry = createMetricsRegistry();
  const observeRequest = requestDurations(registry, "api");
  const operations = new Histogram({
    name: "graphql_operation_duration_seconds",
    help: "Time to execute a GraphQL operation, by operation name (anonymous; other past 200 names) and type.",
    labelNames: ["operation", "type"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const rejections = new Counter({
    name: "auth_token_rejections_total",
    help: "Requests whose token was refused, by reason class (a closed set).",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  for (const reason of TOKEN_REJECTION_REASONS) rejections.inc({ reason }, 0);
  const rateLimits = new Counter({
    name: "rate_limit_refusals_total",
    help: "Requests refused by a rate limit (429), by limit: ip (before the token), user (after).",
    labelNames: ["limit"] as const,
    registers: [registry],
  });
  for (const limit of ["ip", "user"] as const) rateLimits.inc({ limit }, 0);
  const quota = new Counter({ name: "quota_refusals_total", help: "Task writes refused by the per-user quota.", registers: [registry] });
  const keyFetchFailures = new Counter({
    name: "jwks_fetch_failures_total",
    help: "Failed fetches of the auth service's JWKS (unreachable, timed out, not a key set).",
    registers: [registry],
  });
  const eventsApplied = new Counter({
    name: "revocation_events_applied_total",
    help: "Revocation events put in this instance's list (notified, or re-read after a reconnection).",
    registers: [registry],
  });
  let sources: ApiGaugeSources | undefined;
  const gauge = (name: string, help: string, read: (from: ApiGaugeSources) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const value = sources ? read(sources) : undefined;
        // No value yet (never fetched, never confirmed): the series is absent rather than a made-up 0.
        if (value === undefined) this.reset();
        else this.set(value);
      },
    });
  gauge("jwks_age_seconds", "Seconds since the JWKS was last fetched successfully (absent: never, or keys not fetched).", (from) =>
    seconds(from.keysAgeMs()),
  );
  gauge("revocation_feed_lag_seconds", "Seconds since the revocation feed last confirmed it is current (absent: never yet).", (from) =>
    seconds(from.revocationLagMs()),
  );
  gauge("live_streams_open", "Live task streams open on this instance.", (from) => from.liveStreamsOpen());
  gauge("db_pool_connections_in_use", "Pooled database connections checked out right now.", (from) => from.pool().inUse);
  gauge("db_pool_waiting", "Requests waiting for a pooled database connection.", (from) => from.pool().waiting);

  const knownOperations = new Set<string>();
  const operationLabel = (name: string | undefined): string => {
    if (name === undefined) return "anonymous";
    if (!OPERATION_NAME.test(name)) return "other";
    if (knownOperations.has(name)) return name;
    if (knownOperations.size >= MAX_OPERATION_NAMES) return "other";
    knownOperations.add(name);
    return name;
  };

  const started = new WeakMap<Request, number>();
  const endpoint = metricsEndpoint(registry, config.token);
  const timing: Plugin = {
    onRequest({ request }) {
      started.set(request, performance.now());
    },
    onResponse({ request, response }) {
      const start = started.get(request);
      if (start === undefined) return;
      const { pathname } = new URL(request.url);
      const route = pathname === "/graphql" ? "/graphql" : (commonRoute(pathname) ?? "other");
      observeRequest(route, response.status, (performance.now() - start) / 1000);
    },
    onExecute({ args }) {
      const start = performance.now();
      const operation = getOperationAST(args.document as DocumentNode, args.operationName);
      const labels = { operation: operationLabel(operation?.name?.value), type: operation?.operation ?? "unknown" };
      return {
        onExecuteDone() {
          operations.observe(labels, (performance.now() - start) / 1000);
        },
      };
    },
  };
  // On the API's own port only when no metrics port is configured, and only to the token.
  const onServicePort: Plugin[] =
    config.port === undefined && config.token !== undefined
      ? [
          {
            async onRequest({ request, url, endResponse }) {
              if (url.pathname === "/metrics" && request.method === "GET") endResponse(await endpoint(request));
            },
          },
        ]
      : [];
  return {
    tokenRejected: (reason) => rejections.inc({ reason }),
    rateLimitRefused: (limit) => rateLimits.inc({ limit }),
    quotaRefused: () => quota.inc(),
    keyFetchFailed: () => keyFetchFailures.inc(),
    revocationEventApplied: () => eventsApplied.inc(),
    watch(given) {
      sources = given;
    },
    plugins: [timing, ...onServicePort],
    ...(config.port === undefined ? {} : { portHandler: endpoint }),
  };
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}
