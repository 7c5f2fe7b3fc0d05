// Turns the parsed environment into each service's configuration, with development defaults and the
// production refusals. The auth service and the API are separate services: each takes only its part.
import path from "node:path";
import { DURATION, type Env } from "./env.ts";
import type { LogConfig } from "./logging/logger.ts";
import { dataDir } from "./paths.ts";
import type { TaskQuota } from "./tasks/task-quota.ts";
import type { RateLimitRule } from "./rate-limit/limiter.ts";

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
  /**
   * How long a revocation event is kept: until every token it can affect has expired (the lifetime,
   * plus the largest clock tolerance an API may allow).
   */
  revocationRetentionMs: number;
  /** Opt-in HS256 mode: tokens are signed with this shared secret instead of the JWKS keys. */
  sharedSecret?: string;
  /**
   * Attempts per minute per client IP; 0 turns a limit off. Absent: Better Auth's defaults, and no
   * per-account budget. `accountFailures`: failed sign-ins per account per window, from any address.
   */
  rateLimit?: RateLimitConfig & { signInPerMinute: number; signUpPerMinute: number; accountFailures?: RateLimitRule };
  /** Where mail goes: an SMTP server (production, or whenever SMTP_URL is set), or the local catcher. */
  mail: MailConfig;
  /** The least time a sign-up takes to answer, new address or taken (0: no floor). */
  signUpMinimumMs: number;
  /** Admin endpoints ask for a second factor verified at most this long ago (auth/step-up.ts). */
  stepUpMaxAgeSeconds: number;
  /** "required": GET /api/auth/token answers only a request with a DPoP proof, with a bound token (auth/dpop-binding.ts). */
  dpop: DpopPolicy;
  /** AUTH_METRICS_PORT / METRICS_TOKEN. */
  metrics?: MetricsConfig;
}

/**
 * Where a service serves GET /metrics: on `port` (a listener of its own), or on the service's port to a
 * bearer `token`. Absent: nowhere, and no metric is kept.
 */
export interface MetricsConfig {
  port?: number;
  token?: string;
}

/** DPoP (RFC 9449): take bound tokens and plain bearer tokens alike, or bound tokens only. */
export type DpopPolicy = "allowed" | "required";

export type MailConfig = { kind: "smtp"; url: string; from: string } | { kind: "catcher"; port: number; directory: string; from: string };

/** The sender when MAIL_FROM is unset (development only: production requires it). */
const DEVELOPMENT_SENDER = "Tasks <no-reply@localhost>";

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
  /** Refuse tokens issued longer ago than this (plus the tolerance), whatever their exp says. */
  maxTokenAgeSeconds: number;
  /** Past this without confirming the revocation feed is current, answer 503 (token-verification/revocation-feed.ts). */
  revocationMaxStalenessMs: number;
  /** Admin fields ask for a second factor verified at most this long ago (step-up, RFC 9470). */
  stepUpMaxAgeSeconds: number;
  /** "required": only DPoP-bound tokens with their proofs; "allowed": bearer tokens too (api/context.ts). */
  dpop: DpopPolicy;
  /** The origin clients address the API at, when a proxy in front changes it (a DPoP proof's htu names it). */
  publicOrigin?: string;
  /** Live task changes travel through this Redis (every instance sees every write); in process when absent. */
  redisUrl?: string;
  /** Live streams open at once on one instance. */
  liveStreams: { perUser: number; perIp: number };
  graphiql: boolean;
  /** Schema introspection (GraphiQL's docs, codegen against a live server). Off in production by default. */
  introspection?: boolean;
  corsOrigins: string[];
  /** What one account may store and how many statements it may run at once (tasks/). */
  taskLimits: TaskLimits;
  /** Requests per minute; 0 turns a limit off. Absent: no API rate limit (tests, benchmarks). */
  rateLimit?: RateLimitConfig & { perUserPerMinute: number; perIpPerMinute: number };
  /** API_METRICS_PORT / METRICS_TOKEN. */
  metrics?: MetricsConfig;
}

export interface TaskLimits {
  quota: TaskQuota;
  inFlightPerUser: number;
  /** How long a statement may wait behind the same user's others (DB_POOL_WAIT_MS). */
  maxWaitMs: number;
}

const MIN_SECRET_LENGTH = 32;
/** The largest JWT_CLOCK_TOLERANCE_SECONDS env.ts accepts. */
const MAX_CLOCK_TOLERANCE_SECONDS = 300;

/** "15m" -> 900: the token lifetime format (env.ts DURATION). */
export function durationSeconds(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new ConfigError(`Not a duration: ${text}`);
  const unit = match[2]!.toLowerCase()[0] as "s" | "m" | "h" | "d";
  return Number(match[1]) * { s: 1, m: 60, h: 3_600, d: 86_400 }[unit];
}

/** What a revocation event must outlive: the token lifetime and any clock tolerance. */
export function revocationRetentionMs(expirationTime: string): number {
  return (durationSeconds(expirationTime) + MAX_CLOCK_TOLERANCE_SECONDS) * 1000;
}

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

/**
 * What production needs that development makes up: real secrets, an explicit database, issuer and key
 * source, and https URLs for everything tokens and keys travel through (unless ALLOW_INSECURE_HTTP).
 */
function metricsConfig(port: number | undefined, token: string | undefined): MetricsConfig | undefined {
  if (port === undefined && token === undefined) return undefined;
  return { ...(port === undefined ? {} : { port }), ...(token === undefined ? {} : { token }) };
}

function refuseUnsafeProduction(env: Env, service: "auth" | "api"): void {
  if (env.NODE_ENV !== "production") return;
  const problems: string[] = [];
  const required = (name: keyof Env) => {
    if (!env[name]) problems.push(`${name} is required`);
  };
  const https = (name: keyof Env) => {
    const value = env[name];
    if (typeof value === "string" && env.ALLOW_INSECURE_HTTP !== "true" && !value.startsWith("https://")) {
      problems.push(`${name} must be an https:// URL (or set ALLOW_INSECURE_HTTP=true)`);
    }
  };
  required("DATABASE_URL");
  if (service === "auth") {
    required("BETTER_AUTH_SECRET");
    required("AUTH_BASE_URL");
    https("AUTH_BASE_URL");
    required("SMTP_URL");
    required("MAIL_FROM");
  } else {
    if (!env.JWT_ISSUER && !env.AUTH_BASE_URL) problems.push("JWT_ISSUER (or AUTH_BASE_URL) is required");
    if (!env.API_JWKS_URL && !env.API_JWKS && !env.JWT_SHARED_SECRET && !env.AUTH_BASE_URL) {
      problems.push("a key source is required: API_JWKS_URL, API_JWKS or JWT_SHARED_SECRET");
    }
    https("API_JWKS_URL");
    if (!env.API_JWKS_URL && !env.API_JWKS && !env.JWT_SHARED_SECRET) https("AUTH_BASE_URL");
  }
  https("JWT_ISSUER");
  if (problems.length > 0) {
    const name = service === "auth" ? "The auth service" : "The API";
    throw new ConfigError(`${name} will not start in production:\n  - ${problems.join("\n  - ")}`);
  }
}

export function authConfig(env: Env): AuthConfig {
  refuseUnsafeProduction(env, "auth");
  const production = env.NODE_ENV === "production";
  // Read, never made up here: the development runners fill it in (runtime/development-secrets.ts).
  const secret = env.BETTER_AUTH_SECRET;
  if (!secret) throw new ConfigError("BETTER_AUTH_SECRET is required (in development, `pnpm dev` and `pnpm start` make one).");
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
    revocationRetentionMs: revocationRetentionMs(env.JWT_EXPIRATION),
    sharedSecret: checkSharedSecret(env),
    rateLimit: {
      redisUrl: env.REDIS_URL,
      signInPerMinute: env.AUTH_SIGN_IN_PER_MINUTE,
      signUpPerMinute: env.AUTH_SIGN_UP_PER_MINUTE,
      accountFailures: { max: env.AUTH_SIGN_IN_FAILURES_PER_ACCOUNT, windowSeconds: env.AUTH_SIGN_IN_FAILURE_WINDOW_SECONDS },
    },
    signUpMinimumMs: env.AUTH_SIGN_UP_MINIMUM_MS,
    stepUpMaxAgeSeconds: env.AUTH_STEP_UP_MAX_AGE_S,
    dpop: env.AUTH_DPOP ?? (production ? "required" : "allowed"),
    metrics: metricsConfig(env.AUTH_METRICS_PORT, env.METRICS_TOKEN),
    mail: env.SMTP_URL
      ? { kind: "smtp", url: env.SMTP_URL, from: env.MAIL_FROM ?? DEVELOPMENT_SENDER }
      : {
          kind: "catcher",
          port: env.MAIL_CATCHER_PORT,
          directory: env.MAIL_CATCHER_DIR ?? path.join(dataDir, "mail"),
          from: env.MAIL_FROM ?? DEVELOPMENT_SENDER,
        },
  };
}

/** How long the process's database work may take: one slow statement or a full pool must not hold everyone. */
export interface DatabaseLimits {
  statementTimeoutMs: number;
  poolWaitMs: number;
}

/** How both services log: JSON lines in production, readable lines otherwise; LOG_LEVEL and up. */
export function logConfig(env: Env): LogConfig {
  return { level: env.LOG_LEVEL, format: env.NODE_ENV === "production" ? "json" : "pretty" };
}

export function databaseLimits(env: Env): DatabaseLimits {
  return { statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS, poolWaitMs: env.DB_POOL_WAIT_MS };
}

export function apiConfig(env: Env): ApiConfig {
  refuseUnsafeProduction(env, "api");
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
    maxTokenAgeSeconds: durationSeconds(env.JWT_EXPIRATION),
    revocationMaxStalenessMs: env.API_REVOCATION_MAX_STALENESS_MS,
    stepUpMaxAgeSeconds: env.API_STEP_UP_MAX_AGE_S,
    dpop: env.API_DPOP ?? (production ? "required" : "allowed"),
    publicOrigin: env.API_PUBLIC_ORIGIN,
    redisUrl: env.REDIS_URL,
    liveStreams: { perUser: env.API_LIVE_STREAMS_PER_USER, perIp: env.API_LIVE_STREAMS_PER_IP },
    taskLimits: {
      quota: { maxTasks: env.TASKS_MAX_PER_USER, maxTextBytes: env.TASKS_MAX_TEXT_BYTES_PER_USER },
      inFlightPerUser: env.DB_USER_IN_FLIGHT,
      maxWaitMs: env.DB_POOL_WAIT_MS,
    },
    graphiql: env.API_GRAPHIQL ? env.API_GRAPHIQL === "true" : !production,
    introspection: env.API_INTROSPECTION ? env.API_INTROSPECTION === "true" : !production,
    // Production serves the SPA from the same origin: no cross-origin caller unless listed.
    corsOrigins: env.API_CORS_ORIGINS.length > 0 ? env.API_CORS_ORIGINS : production ? [] : [clientOrigin(env)],
    rateLimit: {
      redisUrl: env.REDIS_URL,
      perUserPerMinute: env.API_REQUESTS_PER_MINUTE_PER_USER,
      perIpPerMinute: env.API_REQUESTS_PER_MINUTE_PER_IP,
    },
    metrics: metricsConfig(env.API_METRICS_PORT, env.METRICS_TOKEN),
  };
}

/** Where spans go (OTLP/HTTP) and what the program calls itself in them; absent: tracing is off. */
export interface TracingConfig {
  /** The collector's traces URL: OTEL_EXPORTER_OTLP_ENDPOINT plus /v1/traces, as the OTLP spec appends it. */
  tracesUrl: string;
  serviceName: string;
}

export function tracingConfig(env: Env, defaultServiceName: string): TracingConfig | undefined {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  return {
    tracesUrl: `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces`,
    serviceName: env.OTEL_SERVICE_NAME ?? defaultServiceName,
  };
}
