// Better Auth's own client: sign-up, sign-in, sign-out, the session, the API token (jwtClient), and the
// admin endpoints this project allows (adminClient: ban, unban, end a user's sessions; the server refuses
// the plugin's other powers whatever a client sends, server/src/auth/admin-powers.ts), and two-step
// verification (twoFactorClient: the sign-in's second step; server/src/auth/second-factor.ts), and passkeys
// (passkeyClient: WebAuthn in the browser through SimpleWebAuthn; server/src/auth/passkeys.ts).
// It talks to /api/auth on the SPA's own origin (the Vite proxy in development, the web server in production).
import { passkeyClient } from "@better-auth/passkey/client";
import { adminClient, jwtClient, twoFactorClient } from "better-auth/client/plugins";
import { createAuthClient } from "better-auth/react";
import { withTraceparent } from "../tracing/trace-context.ts";
import { noteServerTime } from "./server-clock.ts";

export function createAppAuthClient(options: { fetch?: typeof fetch } = {}) {
  return createAuthClient({
    plugins: [jwtClient(), adminClient(), twoFactorClient(), passkeyClient()],
    // Every answer tells the services' time, which DPoP proofs are dated by (server-clock.ts); every request
    // carries the user action's traceparent (tracing/trace-context.ts).
    fetchOptions: {
      customFetchImpl: withTraceparent(options.fetch ?? ((input, init) => globalThis.fetch(input, init))),
      onResponse: (context) => noteServerTime(context.response),
    },
  });
}

export type AuthClient = ReturnType<typeof createAppAuthClient>;

/** GET /api/auth/token's absolute address, on the page's origin like every call here: a DPoP proof names it (htu). */
export const tokenEndpoint = (): string => new URL("/api/auth/token", globalThis.location.href).href;
