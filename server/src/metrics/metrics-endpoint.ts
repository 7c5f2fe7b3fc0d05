// GET /metrics in Prometheus' text format: on the service's own port only to the configured bearer token
// (compared in constant time), or on a port of its own (METRICS_PORT settings), where the token is asked for
// too when one is set. The text holds no secret by construction (no label carries an id, an email, a token,
// an address or a raw path), but its figures are still nobody else's business.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Registry } from "prom-client";
import type { MetricsConfig } from "../config.ts";

export type MetricsHandler = (request: Request) => Promise<Response>;

export function metricsEndpoint(registry: Registry, token: string | undefined): MetricsHandler {
  const expected = token === undefined ? undefined : digest(token);
  return async (request) => {
    if (expected && !bearerMatches(request.headers.get("authorization"), expected)) {
      return new Response("Unauthorized\n", {
        status: 401,
        headers: { "WWW-Authenticate": 'Bearer realm="metrics"', "Cache-Control": "no-store", "Content-Type": "text/plain" },
      });
    }
    return new Response(await registry.metrics(), { headers: { "Content-Type": registry.contentType, "Cache-Control": "no-store" } });
  };
}

/** A whole listener for a metrics port: /metrics, and 404 for anything else. */
export function metricsListener(handler: MetricsHandler): { fetch(request: Request): Promise<Response> } {
  return {
    fetch: async (request) =>
      new URL(request.url).pathname === "/metrics" && request.method === "GET"
        ? handler(request)
        : new Response("Not found\n", { status: 404, headers: { "Cache-Control": "no-store" } }),
  };
}

function bearerMatches(header: string | null, expected: Buffer): boolean {
  const match = /^Bearer (\S+)$/i.exec(header?.trim() ?? "");
  // Digests of equal length, so the comparison takes the same time whatever was sent.
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Where /metrics is served, for the start-up lines (never the token). */
export function describeMetrics(host: string, metrics: MetricsConfig, servicePort: number): string {
  return `http://${host}:${metrics.port ?? servicePort}/metrics${metrics.token ? "   (bearer METRICS_TOKEN)" : ""}`;
}
