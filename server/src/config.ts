// Turns the parsed environment into each service's configuration, with development defaults and the
// production refusals. The auth service and the API are separate services: each takes only its part.
import type { Env } from "./env.ts";
import { devSecret } from "./db/dev-secrets.ts";

export class ConfigError extends Error {}

export interface JwtClaimsConfig {
  issuer: string;
  audience: string;
}

export interface RateLimitConfig {
  /** Counters in Redis (shared by every instance) when set, in process memory otherwise. */
  redisUrl?: string;
}

export interface AuthConfig extends JwtClaimsConfig {
  production: boolean;
  baseURL: string;
  secret: string;
  trustedOrigins: string[];
  expirationTime: string;
  /** Opt-in HS256 mode: tokens are signed with this shared secret instead of the JWKS keys. */
  sharedSecret?: string;
  /** Attempts per minute per client IP; 0 turns a limit off. Absent: Better Auth's defaults. */
  rateLimit?: RateLimitConfig & { signInPerMinute: number; signUpPerMinute: number };
}

export type KeySourceConfig =
  | {
      kind: "remote-jwks";
      url: string;
      timeoutMs: number;
      cooldownMs: number;
      cacheMaxAgeMs: number;
      /** How long after the last successful fetch the keys may still be used while the JWKS is down. */
      staleMaxAgeMs: number;
      /** After a failed fetch, how long to answer from the last good keys (or 503) before trying again. */
      retryAfterMs?: number;
    }
  | { kind: "static-jwks"; jwks: string }
  | { kind: "shared-secret"; secret: string };

export interface ApiConfig extends JwtClaimsConfig {
  production: boolean;
  keys: KeySourceConfig;
  clockToleranceSeconds: number;
  graphiql: boolean;
  corsOrigins: string[];
  /** Requests per minute; 0 turns a limit off. Absent: no API rate limit (tests, benchmarks). */
  rateLimit?: RateLimitConfig & { perUserPerMinute: number; perIpPerMinute: number };
}

const MIN_SECRET_LENGTH = 32;

function authBaseUrl(env: Env): string {
  return env.AUTH_BASE_URL ?? `http://localhost:${env.AUTH_PORT}`;
}

function clientOrigin(env: Env): string {
  return `http://localhost:${env.CLIENT_PORT}`;
}

function claims(env: Env): JwtClaimsConfig {
  return { issuer: env.JWT_ISSUER ?? authBaseUrl(env), audience: env.JWT_AUDIENCE };
}

function checkSharedSecret(env: Env): string | undefined {
  const secret = env.JWT_SHARED_SECRET;
  if (secret !== undefined && secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`JWT_SHARED_SECRET must be at least ${MIN_SECRET_LENGTH} characters (HS256 needs 256 bits).`);
  }
  return secret;
}

export function authConfig(env: Env): AuthConfig {
  const production = env.NODE_ENV === "production";
  const missing: string[] = [];
  if (production && !env.BETTER_AUTH_SECRET) missing.push("BETTER_AUTH_SECRET");
  if (production && !env.AUTH_BASE_URL) missing.push("AUTH_BASE_URL");
  if (missing.length > 0) {
    throw new ConfigError(`The auth service will not start in production without: ${missing.join(", ")}.`);
  }
  const secret = env.BETTER_AUTH_SECRET ?? devSecret("betterAuthSecret");
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`BETTER_AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters.`);
  }
  return {
    ...claims(env),
    production,
    baseURL: authBaseUrl(env),
    secret,
    trustedOrigins: env.AUTH_TRUSTED_ORIGINS.length > 0 ? env.AUTH_TRUSTED_ORIGINS : [clientOrigin(env)],
    expirationTime: env.JWT_EXPIRATION,
    sharedSecret: checkSharedSecret(env),
    rateLimit: {
      redisUrl: env.REDIS_URL,
      signInPerMinute: env.AUTH_SIGN_IN_PER_MINUTE,
      signUpPerMinute: env.AUTH_SIGN_UP_PER_MINUTE,
    },
  };
}

export function apiConfig(env: Env): ApiConfig {
  const production = env.NODE_ENV === "production";
  const sharedSecret = checkSharedSecret(env);
  const keys: KeySourceConfig = sharedSecret
    ? { kind: "shared-secret", secret: sharedSecret }
    : env.API_JWKS
      ? { kind: "static-jwks", jwks: env.API_JWKS }
      : {
          kind: "remote-jwks",
          url: env.API_JWKS_URL ?? `${authBaseUrl(env)}/api/auth/jwks`,
          timeoutMs: env.API_JWKS_TIMEOUT_MS,
          cooldownMs: env.API_JWKS_COOLDOWN_MS,
          cacheMaxAgeMs: env.API_JWKS_CACHE_MAX_AGE_MS,
          staleMaxAgeMs: env.API_JWKS_STALE_MAX_AGE_MS,
        };
  return {
    ...claims(env),
    production,
    keys,
    clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_SECONDS,
    graphiql: env.API_GRAPHIQL ? env.API_GRAPHIQL === "true" : !production,
    corsOrigins: env.API_CORS_ORIGINS.length > 0 ? env.API_CORS_ORIGINS : [clientOrigin(env)],
    rateLimit: {
      redisUrl: env.REDIS_URL,
      perUserPerMinute: env.API_REQUESTS_PER_MINUTE_PER_USER,
      perIpPerMinute: env.API_REQUESTS_PER_MINUTE_PER_IP,
    },
  };
}
