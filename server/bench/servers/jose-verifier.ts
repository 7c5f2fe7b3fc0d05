// Hand-written token verification for the floor and PostGraphile: jose with the same key set and the
// same checks the project's API makes (EdDSA only, exact iss and aud, exp/nbf tolerance, sub/exp/iat
// required), so every server pays the same price for the same guarantee.
import { createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import type { BenchKeys } from "../bench-users.ts";

const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

export class Unauthorized extends Error {}

export function createJoseVerifier(keys: BenchKeys) {
  const keySet = createLocalJWKSet(JSON.parse(keys.jwks) as Parameters<typeof createLocalJWKSet>[0]);
  const options = {
    issuer: keys.issuer,
    audience: keys.audience,
    algorithms: ["EdDSA"],
    clockTolerance: keys.clockToleranceSeconds,
    requiredClaims: ["sub", "exp", "iat"],
  };
  return async function verify(authorization: string | undefined): Promise<string> {
    const token = authorization ? BEARER.exec(authorization)?.[1] : undefined;
    if (!token) throw new Unauthorized("no bearer token");
    try {
      const { payload } = await jwtVerify(token, keySet, options);
      if (typeof payload.sub !== "string" || payload.sub.length === 0) throw new Unauthorized("no sub");
      return payload.sub;
    } catch (error) {
      throw new Unauthorized(error instanceof Error ? error.message : "invalid token");
    }
  };
}

/**
 * The floor's "database only" half: reads `sub` WITHOUT checking the signature, to show what the
 * database part costs on its own. Never do this outside a benchmark.
 */
export function unverifiedSubject(authorization: string | undefined): string {
  const token = authorization ? BEARER.exec(authorization)?.[1] : undefined;
  const sub = token ? decodeJwt(token).sub : undefined;
  if (!sub) throw new Unauthorized("no sub");
  return sub;
}
