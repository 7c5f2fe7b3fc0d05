// The auth service's HTTP handler: Better Auth under /api/auth, nothing else. Tests call `fetch`
// in-process; main.ts serves it over HTTP.
import { devMailPage } from "../mail/dev-mail-page.ts";
import type { MailCatcher } from "../mail/mail-catcher.server.ts";
import { HSTS } from "../shared/hsts.ts";
import type { Auth } from "./auth.ts";

export interface AuthAppOptions {
  /** Development's mail catcher: its mails are listed at /dev/mail. Absent: /dev/mail is 404. */
  devMail?: MailCatcher;
}

export function createAuthApp(auth: Auth, options: AuthAppOptions = {}) {
  // Secure cookies are on exactly when the service runs in production behind HTTPS.
  const hsts = auth.options.advanced?.useSecureCookies === true;
  const route = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname === "/api/auth" || pathname.startsWith("/api/auth/")) {
      const response = withStandardRetryAfter(await auth.handler(request));
      // Answers carry tokens, sessions and cookies: no cache may keep one. The public key set is the
      // exception (APIs cache it by their own rules, key-set.ts).
      return pathname === "/api/auth/jwks" ? response : withHeader(response, "Cache-Control", "no-store");
    }
    if (pathname === "/health") return Response.json({ ok: true });
    if (pathname === "/dev/mail" && options.devMail && request.method === "GET") return devMailPage(options.devMail);
    return Response.json({ error: "Not found" }, { status: 404 });
  };
  return {
    auth,
    async fetch(request: Request): Promise<Response> {
      const response = await route(request);
      if (hsts) response.headers.set("Strict-Transport-Security", HSTS);
      return response;
    },
  };
}

export type AuthApp = ReturnType<typeof createAuthApp>;

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
