// Better Auth's own client: sign-up, sign-in, sign-out, the session, and the API token (jwtClient).
// It talks to /api/auth on the SPA's own origin (the Vite proxy in development, the web server in production).
import { jwtClient } from "better-auth/client/plugins";
import { createAuthClient } from "better-auth/react";

export function createAppAuthClient(options: { fetch?: typeof fetch } = {}) {
  return createAuthClient({
    plugins: [jwtClient()],
    fetchOptions: options.fetch ? { customFetchImpl: options.fetch } : {},
  });
}

export type AuthClient = ReturnType<typeof createAppAuthClient>;
