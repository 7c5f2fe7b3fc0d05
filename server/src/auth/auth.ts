// The auth service: Better Auth with email and password, the admin plugin (who is admin lives in the
// user table and only an operator changes it) and the JWT plugin that issues the API's bearer tokens.
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { admin, jwt } from "better-auth/plugins";
import { SignJWT, type JWTPayload } from "jose";
import type { AuthConfig } from "../config.ts";
import type { Db } from "../db/client.ts";
import { toRole } from "./roles.ts";

export function createAuth(db: Db, config: AuthConfig) {
  return betterAuth({
    appName: "Tasks",
    baseURL: config.baseURL,
    basePath: "/api/auth",
    secret: config.secret,
    trustedOrigins: config.trustedOrigins,
    database: prismaAdapter(db, { provider: "postgresql" }),
    emailAndPassword: { enabled: true, minPasswordLength: 8, maxPasswordLength: 128 },
    telemetry: { enabled: false },
    plugins: [
      admin({ defaultRole: "user", adminRoles: ["admin"] }),
      jwt({
        jwks: config.sharedSecret
          ? // Shared-secret mode publishes no keys: remoteUrl turns the /jwks endpoint off (it answers 404).
            { remoteUrl: `${config.baseURL}/api/auth/jwks`, keyPairConfig: { alg: "EdDSA" } }
          : { keyPairConfig: { alg: "EdDSA", crv: "Ed25519" } },
        jwt: {
          issuer: config.issuer,
          audience: config.audience,
          expirationTime: config.expirationTime,
          // Only what the API needs: by default the plugin would put the whole user object in the token.
          // `sub` (the user id), iat, exp, iss and aud are added by the plugin.
          definePayload: ({ user }) => ({ role: toRole(user.role) }),
          sign: config.sharedSecret ? hs256Signer(config.sharedSecret) : undefined,
        },
      }),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;

/** The opt-in shared-secret mode: HS256 with one secret both services hold, and no other algorithm. */
function hs256Signer(secret: string) {
  const key = new TextEncoder().encode(secret);
  return (payload: JWTPayload) => new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(key);
}
