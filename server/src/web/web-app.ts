// The production web server: the built SPA, with the auth service at /api/auth and the API at /graphql on
// the same origin, the layout the Vite dev server gives in development. The browser sees one origin, so the
// session cookie stays first-party. The API gets no cookies at all: it trusts bearer tokens only.
import { createStaticFiles } from "./static-files.ts";

export interface FetchHandler {
  fetch(request: Request): Response | Promise<Response>;
}

export interface WebAppOptions {
  auth: FetchHandler;
  api: FetchHandler;
  /** The built SPA (client/dist). */
  staticDir: string;
}

export function createWebApp({ auth, api, staticDir }: WebAppOptions) {
  const files = createStaticFiles(staticDir);
  return {
    async fetch(request: Request): Promise<Response> {
      const { pathname } = new URL(request.url);
      // /dev/mail: development's caught mail, which the auth service lists (404 when mail really goes out).
      if (isUnder(pathname, "/api/auth") || pathname === "/dev/mail") return auth.fetch(request);
      if (isUnder(pathname, "/graphql")) return api.fetch(withoutCookies(request));
      if (isUnder(pathname, "/api")) return Response.json({ error: "Not found" }, { status: 404 });
      if (request.method !== "GET" && request.method !== "HEAD") {
        return new Response("Method not allowed", { status: 405, headers: { allow: "GET, HEAD" } });
      }
      return files.serve(request, pathname);
    },
  };
}

export type WebApp = ReturnType<typeof createWebApp>;

function isUnder(pathname: string, prefix: string): boolean {
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

function withoutCookies(request: Request): Request {
  if (!request.headers.has("cookie")) return request;
  const headers = new Headers(request.headers);
  headers.delete("cookie");
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  return new Request(request.url, {
    method: request.method,
    headers,
    signal: request.signal,
    ...(hasBody ? { body: request.body, duplex: "half" } : {}),
  } as RequestInit);
}
