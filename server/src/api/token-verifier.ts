// The one place that verifies a bearer token. Nothing else parses a JWT. The signature is checked
// before any claim is read; algorithms are pinned to the configured key source; iss, aud, exp and nbf
// are checked with a small clock tolerance; jku/x5u/jwk/x5c headers are never followed (jose ignores
// them: keys come only from the configured source, and `kid` is only a lookup key into it).
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import { toRole, type Role } from "../auth/roles.ts";
import type { ApiConfig, KeySourceConfig } from "../config.ts";

export interface Viewer {
  userId: string;
  role: Role;
}

/** The token is not acceptable: answer 401 invalid_token. The reason is for server logs only. */
export class InvalidTokenError extends Error {}

/** The keys cannot be had right now (JWKS unreachable or broken): answer 503, not 401. */
export class KeysUnavailableError extends Error {}

export interface TokenVerifier {
  verify(token: string): Promise<Viewer>;
}

interface KeySource {
  key: JWTVerifyGetKey | Uint8Array;
  algorithms: string[];
}

export function createTokenVerifier(config: ApiConfig): TokenVerifier {
  const { key, algorithms } = keySource(config.keys);
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    algorithms,
    clockTolerance: config.clockToleranceSeconds,
    requiredClaims: ["sub", "exp", "iat"],
  };
  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        // Two overloads (key set function or raw key); both take the same options.
        ({ payload } =
          key instanceof Uint8Array ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options));
      } catch (error) {
        if (isKeyFetchFailure(error)) throw new KeysUnavailableError("Signing keys unavailable", { cause: error });
        throw new InvalidTokenError(error instanceof Error ? error.message : "invalid token", { cause: error });
      }
      return viewerFrom(payload);
    },
  };
}

function keySource(keys: KeySourceConfig): KeySource {
  switch (keys.kind) {
    case "remote-jwks":
      return {
        // Created once per process: its cache, cooldown and single in-flight fetch live in this closure.
        key: createRemoteJWKSet(new URL(keys.url), {
          timeoutDuration: keys.timeoutMs,
          cooldownDuration: keys.cooldownMs,
          cacheMaxAge: keys.cacheMaxAgeMs,
          [customFetch]: fetchKeySet,
        }),
        algorithms: ["EdDSA"],
      };
    case "static-jwks": {
      const jwks = JSON.parse(keys.jwks) as Parameters<typeof createLocalJWKSet>[0];
      return { key: createLocalJWKSet(jwks), algorithms: ["EdDSA"] };
    }
    case "shared-secret":
      return { key: new TextEncoder().encode(keys.secret), algorithms: ["HS256"] };
  }
}

/** Marks every failure to obtain a usable key set, so it answers 503 rather than 401. */
class KeyFetchError extends Error {}

async function fetchKeySet(url: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new KeyFetchError(`JWKS request failed: ${String(error)}`, { cause: error });
  }
  // jose asks for redirect: "manual"; a redirect, an error status or a non-JSON body are all outages.
  if (response.status !== 200) throw new KeyFetchError(`JWKS answered HTTP ${response.status}`);
  const body = await response.text();
  try {
    JSON.parse(body);
  } catch {
    throw new KeyFetchError("JWKS answered with something that is not JSON");
  }
  return new Response(body, { status: 200, headers: response.headers });
}

function isKeyFetchFailure(error: unknown): boolean {
  return error instanceof KeyFetchError || error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid;
}

const MAX_SUBJECT_LENGTH = 200;

function viewerFrom(payload: JWTPayload): Viewer {
  const { sub, role } = payload;
  if (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) {
    throw new InvalidTokenError("sub is not a user id");
  }
  if (role !== undefined && role !== "user" && role !== "admin") throw new InvalidTokenError("unknown role");
  return { userId: sub, role: toRole(role) };
}
