// The auth service's metrics (README "Operating it"): request durations by endpoint (the endpoint as listed in
// endpoints.ts, never the path: a reset link's path holds its token), sign-ins and sign-ups by result, and
// refusals by the rate limits. Results are read from the answer the service gives, at the one place every
// answer passes (auth/app.ts). Without a metrics setting nothing is kept. No label carries an email, an id,
// a token, an address or a raw path.
import { Counter, type Registry } from "prom-client";
import type { MetricsConfig } from "../config.ts";
import { type MetricsHandler, metricsEndpoint } from "../metrics/metrics-endpoint.ts";
import { createMetricsRegistry, requestDurations } from "../metrics/metrics-registry.ts";

const SIGN_IN = "/api/auth/sign-in/email";
const SIGN_UP = "/api/auth/sign-up/email";

export const SIGN_IN_RESULTS = [
  "success",
  "second_factor_required",
  "bad_credentials",
  "unverified",
  "rate_limited",
  "invalid_request",
  "unavailable",
  "error",
] as const;
export const SIGN_UP_RESULTS = ["accepted", "invalid_request", "rate_limited", "unavailable", "error"] as const;

export interface AuthMetrics {
  /** Every answer of the auth app, with the time it took. */
  /** One answered request; `route` is endpoints.ts authRouteOf's name for it, never the path itself. */
  answered(route: string, response: Response, seconds: number): Promise<void>;
  /** GET /metrics on the service's port (METRICS_TOKEN, no AUTH_METRICS_PORT); undefined otherwise. */
  onServicePort?: MetricsHandler;
  /** For the metrics port (auth/service.ts); undefined unless one is configured. */
  portHandler?: MetricsHandler;
  registry?: Registry;
}

export const NO_AUTH_METRICS: AuthMetrics = { answered: async () => {} };

export function createAuthMetrics(config: MetricsConfig | undefined): AuthMetrics {
  if (!config) return NO_AUTH_METRICS;
  const registry = createMetricsRegistry();
  const observeRequest = requestDurations(registry, "auth");
  const signIns = new Counter({
    name: "auth_sign_ins_total",
    help: "Email and password sign-ins by result (failures by class: bad_credentials, unverified, rate_limited...).",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  for (const result of SIGN_IN_RESULTS) signIns.inc({ result }, 0);
  const signUps = new Counter({
    name: "auth_sign_ups_total",
    help: "Sign-ups by result (accepted is the same answer for a new and a taken address).",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  for (const result of SIGN_UP_RESULTS) signUps.inc({ result }, 0);
  const rateLimits = new Counter({
    name: "rate_limit_refusals_total",
    help: "Requests refused by a rate limit (429), by limit: sign_in, sign_up, other (the other auth endpoints).",
    labelNames: ["limit"] as const,
    registers: [registry],
  });
  for (const limit of ["sign_in", "sign_up", "other"] as const) rateLimits.inc({ limit }, 0);
  const endpoint = metricsEndpoint(registry, config.token);
  return {
    registry,
    async answered(route, response, seconds) {
      observeRequest(route, response.status, seconds);
      if (response.status === 429) {
        rateLimits.inc({ limit: route === SIGN_IN ? "sign_in" : route === SIGN_UP ? "sign_up" : "other" });
      }
      if (route === SIGN_IN) signIns.inc({ result: await signInResult(response) });
      if (route === SIGN_UP) signUps.inc({ result: signUpResult(response.status) });
    },
    ...(config.port === undefined && config.token !== undefined ? { onServicePort: endpoint } : {}),
    ...(config.port === undefined ? {} : { portHandler: endpoint }),
  };
}

async function signInResult(response: Response): Promise<(typeof SIGN_IN_RESULTS)[number]> {
  switch (response.status) {
    case 200:
      return (await bodyOf(response)).twoFactorRedirect === true ? "second_factor_required" : "success";
    case 401:
      return "bad_credentials";
    case 403:
      return (await bodyOf(response)).code === "EMAIL_NOT_VERIFIED" ? "unverified" : "error";
    case 429:
      return "rate_limited";
    case 400:
      return "invalid_request";
    case 503:
      return "unavailable";
    default:
      return "error";
  }
}

function signUpResult(status: number): (typeof SIGN_UP_RESULTS)[number] {
  if (status === 200) return "accepted";
  if (status === 400 || status === 422) return "invalid_request";
  if (status === 429) return "rate_limited";
  if (status === 503) return "unavailable";
  return "error";
}

/** The answer's JSON, read from a copy (the client gets the original); {} when it is not JSON. */
async function bodyOf(response: Response): Promise<{ twoFactorRedirect?: unknown; code?: unknown }> {
  try {
    return (await response.clone().json()) as { twoFactorRedirect?: unknown; code?: unknown };
  } catch {
    return {};
  }
}
