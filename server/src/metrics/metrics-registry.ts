// One Prometheus registry per service app (never prom-client's global one: two apps in one process, as in
// `pnpm start` or a test, would collide on it), with the process's default metrics once per registry, and
// the request-duration histogram both services share. Nothing here knows either service.
import { collectDefaultMetrics, Histogram, Registry } from "prom-client";

export type ServiceName = "api" | "auth";

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * http_request_duration_seconds{service, route, status}. `route` must come from a small fixed set that the
 * caller decides (never a raw path: a path can hold an id or a token).
 */
export function requestDurations(registry: Registry, service: ServiceName): (route: string, status: number, seconds: number) => void {
  const histogram = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time from a request's arrival to its response's headers, by route (a fixed set) and status.",
    labelNames: ["service", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return (route, status, seconds) => histogram.observe({ service, route, status: String(status) }, seconds);
}

/** The route label of a path both services answer the same way; undefined for the service's own routes. */
export function commonRoute(pathname: string): string | undefined {
  return pathname === "/health" || pathname === "/ready" ? pathname : undefined;
}
