// The auth service's HTTP handler: Better Auth under /api/auth, nothing else. Tests call `fetch`
// in-process; main.ts serves it over HTTP.
import type { Auth } from "./auth.ts";

export function createAuthApp(auth: Auth) {
  return {
    auth,
    fetch(request: Request): Promise<Response> {
      const { pathname } = new URL(request.url);
      if (pathname === "/api/auth" || pathname.startsWith("/api/auth/")) return auth.handler(request);
      if (pathname === "/health") return Promise.resolve(Response.json({ ok: true }));
      return Promise.resolve(Response.json({ error: "Not found" }, { status: 404 }));
    },
  };
}

export type AuthApp = ReturnType<typeof createAuthApp>;
