// The auth service's HTTP handler: Better Auth under /api/auth, nothing else. Tests call `fetch`
// in-process; main.ts serves it over HTTP. Every request gets an id of its own, made here (never a client's:
// anyone could write what they liked into the logs): the X-Request-Id answer header, the `requestId` of each
// log line about the request, and the `errorId` of a 500.
import { randomUUID } from "node:crypto";
import { isDatabaseBusy } from "../db/database-busy.ts";
import { describeError } from "../logging/describe-error.ts";
import { CLIENT_IP_HEADER } from "../net/client-address.ts";
import { devMailPage } from "../mail/dev-mail-page.ts";
import type { MailCatcher } from "../mail/mail-catcher.server.ts";
import { isReadinessRequest, readinessAnswer } from "../readiness/readiness-answer.ts";
import { HSTS } from "../shared/hsts.ts";
import type { Auth } from "./auth.ts";
import { type AuthMetrics, NO_AUTH_METRICS } from "./auth-metrics.ts";
import { authRouteOf, isAllowedEndpoint } from "./endpoints.ts";

export interface AuthAppOptions {
  /** Development's mail catcher: its mails are listed at /dev/mail. Absent: /dev/mail is 404. */
  devMail?: MailCatcher;
  /** GET /ready's checks: the reasons the service is not ready (auth/readiness.ts). Absent: /ready is 404. */
  readiness?: () => Promise<string[]>;
  /** Absent: none kept, and /metrics is 404 (auth/auth-metrics.ts). */
  metrics?: AuthMetrics;
}

export const REQUEST_ID_HEADER = "X-Request-Id";

/** A busy or unreachable database usually clears within seconds: the same hint the API gives. */
const SERVICE_BUSY_RETRY_AFTER_SECONDS = 2;

export function createAuthApp(auth: Auth, options: AuthAppOptions = {}) {
  const logger = auth.logger;
  const metrics = options.metrics ?? NO_AUTH_METRICS;
  // Secure cookies are on exactly when the service runs in production behind HTTPS.
  const hsts = auth.options.advanced?.useSecureCookies === true;

  /**
   * What an endpoint that failed with something other than an APIError answers (auth.ts makes Better Auth
   * throw those): a database that is away or too busy is 503 SERVICE_BUSY (the outage is logged once, by
   * the database health), anything else a 500 with an id, logged under that id. Never the error's text.
   */
  const failed = (error: unknown, requestId: string): Response => {
    if (auth.databaseHealth.noteFailure(error) || isDatabaseBusy(error)) return serviceBusy();
    logger.error({ requestId, error: describeError(error) }, "unexpected error");
    return Response.json({ code: "INTERNAL_ERROR", message: "Something went wrong. Try again.", errorId: requestId }, { status: 500 });
  };

  const route = async (request: Request, requestId: string): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname === "/api/auth" || pathname.startsWith("/api/auth/")) {
      // Only the endpoints this project uses reach Better Auth (endpoints.ts).
      if (!isAllowedEndpoint(pathname.slice("/api/auth".length))) return notFound();
      let answer: Response;
      try {
        // The token endpoint: a DPoP proof binds the token to its key (dpop-binding.ts).
        answer = pathname === "/api/auth/token" ? await auth.dpopBinding(request, auth.handler) : await auth.handler(request);
        // Some endpoints catch a database error themselves and answer a plain 500: during an outage, that
        // is the outage speaking.
        if (answer.status === 500 && !auth.databaseHealth.available) answer = serviceBusy();
      } catch (error) {
        await auth.passwordGuessing.abandoned(request);
        answer = failed(error, requestId);
      }
      const response = withStandardRetryAfter(answer);
      // Answers carry tokens, sessions and cookies: no cache may keep one. The public key set is the
      // exception (APIs cache it by their own rules, key-set.ts).
      return pathname === "/api/auth/jwks" ? response : withHeader(response, "Cache-Control", "no-store");
    }
    if (pathname === "/health") return Response.json({ ok: true }, { headers: { "Cache-Control": "no-store" } });
    if (options.readiness && isReadinessRequest(request, pathname)) return readinessAnswer(await options.readiness());
    if (metrics.onServicePort && pathname === "/metrics" && request.method === "GET") return metrics.onServicePort(request);
    // Every reset and verification link is on that page: only for this machine's own browser, asking by a
    // loopback name (a DNS-rebinding page asks by its own name, so it is refused even from loopback).
    if (pathname === "/dev/mail" && options.devMail && request.method === "GET" && isLoopbackRequest(request)) {
      return devMailPage(options.devMail);
    }
    return notFound();
  };
  return {
    auth,
    async fetch(request: Request): Promise<Response> {
      const started = performance.now();
      const requestId = randomUUID();
      auth.requestIds.set(request, requestId);
      const response = await route(request, requestId);
      if (hsts) response.headers.set("Strict-Transport-Security", HSTS);
      response.headers.set(REQUEST_ID_HEADER, requestId);
      const routeName = authRouteOf(new URL(request.url).pathname);
      const seconds = (performance.now() - started) / 1000;
      await metrics.answered(routeName, response, seconds);
      // One line per request: never the query string (a reset link's token is in one), headers or the client's IP.
      logger.info(
        { requestId, method: request.method, route: routeName, status: response.status, durationMs: Math.round(seconds * 10_000) / 10 },
        "request",
      );
      return response;
    },
  };
}

export type AuthApp = ReturnType<typeof createAuthApp>;

/** From this machine (our HTTP server sets the client's address), to a loopback name or address. */
function isLoopbackRequest(request: Request): boolean {
  const client = request.headers.get(CLIENT_IP_HEADER) ?? "";
  const host = (request.headers.get("host") ?? "").replace(/:\d+$/, "").toLowerCase();
  const loopback = (name: string) =>
    name === "localhost" || name === "::1" || name === "[::1]" || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(name);
  return loopback(client) && loopback(host);
}

function notFound(): Response {
  return Response.json({ error: "Not found" }, { status: 404, headers: { "Cache-Control": "no-store" } });
}

function serviceBusy(): Response {
  return Response.json(
    { code: "SERVICE_BUSY", message: "The service is busy. Try again shortly." },
    { status: 503, headers: { "Retry-After": String(SERVICE_BUSY_RETRY_AFTER_SECONDS) } },
  );
}

/** Better Auth answers 429 with X-Retry-After only; clients and proxies read the standard header. */
function withStandardRetryAfter(response: Response): Response {
  const retryAfter = response.headers.get("x-retry-after");
  if (response.status !== 429 || !retryAfter || response.headers.has("retry-after")) return response;
  return withHeader(response, "Retry-After", retryAfter);
}

/** The response with one header set; a copy, since some responses (redirects) have immutable headers. */
function withHeader(response: Response, name: string, value: string): Response {
  const headers = new Headers(response.headers);
  headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
