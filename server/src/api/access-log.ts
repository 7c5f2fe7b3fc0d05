// One line per API request, at info, once its answer is ready: method, route, status, how long it took and its
// request id. Never the query string (a token put in the URL would land there), never headers, never the
// client's address (a person's IP is personal data; the rate limiter and the proxy's own log have it).
import type { Plugin } from "graphql-yoga";
import type { Logger } from "../logging/logger.ts";
import type { RequestIds } from "./request-id.ts";

/** The API's routes by name; anything else is "other" (a path is the client's text). */
const ROUTES = new Set(["/graphql", "/health", "/ready", "/metrics"]);

export function routeOf(pathname: string): string {
  if (ROUTES.has(pathname)) return pathname;
  if (pathname.startsWith("/graphql/assets/")) return "/graphql/assets";
  return "other";
}

export function accessLog(logger: Logger, requestIds: RequestIds): Plugin {
  const started = new WeakMap<Request, number>();
  return {
    onRequest({ request }) {
      started.set(request, performance.now());
    },
    onResponse({ request, response }) {
      const start = started.get(request);
      logger.info(
        {
          requestId: requestIds.of(request),
          method: request.method,
          route: routeOf(new URL(request.url).pathname),
          status: response.status,
          durationMs: start === undefined ? undefined : Math.round((performance.now() - start) * 10) / 10,
        },
        "request",
      );
    },
  };
}
