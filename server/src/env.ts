// The one place that reads process.env. Everything else receives typed config from here, so tests can
// build apps from any config without touching the process environment.
import { z } from "zod";
import { LOG_LEVELS } from "./logging/log-levels.ts";
import { invalidProxyEntry } from "./net/client-address.ts";

/** A token lifetime as Better Auth and jose take it: a number and a unit (s, m, h, d). */
export const DURATION = /^(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)$/i;

const port = z.coerce.number().int().min(0).max(65535);
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));
const list = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean),
  );

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  HOST: z.string().default("127.0.0.1"),
  /** The least severe log line written (pino's levels); "silent" writes none. */
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  /** Reverse proxies whose X-Forwarded-For both services believe (IPs or CIDR ranges); none by default. */
  TRUSTED_PROXIES: list.refine((entries) => invalidProxyEntry(entries) === undefined, {
    message: "comma-separated IP addresses or CIDR ranges, e.g. 10.0.0.5,10.1.0.0/16",
  }),
  API_PORT: port.default(4000),
  AUTH_PORT: port.default(4001),
  CLIENT_PORT: port.default(5173),

  DATABASE_URL: optionalString,
  EMBEDDED_POSTGRES_PORT: port.default(54329),
  EMBEDDED_POSTGRES_DIR: optionalString,

  BETTER_AUTH_SECRET: optionalString,
  AUTH_BASE_URL: optionalString,
  AUTH_TRUSTED_ORIGINS: list,

  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: z.string().default("tasks-api"),
  JWT_EXPIRATION: z.string().regex(DURATION, "a duration such as 15m, 900s or 1h").default("15m"),
  JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  JWT_SHARED_SECRET: optionalString,

  API_JWKS_URL: optionalString,
  API_JWKS: optionalString,
  API_JWKS_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  API_JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  API_JWKS_CACHE_MAX_AGE_MS: z.coerce.number().int().min(1_000).default(600_000),
  API_JWKS_STALE_MAX_AGE_MS: z.coerce.number().int().min(0).default(3_600_000),
  API_CORS_ORIGINS: list,
  /** Admin powers ask for a second factor verified at most this many seconds ago (RFC 9470 max_age). */
  API_STEP_UP_MAX_AGE_S: z.coerce.number().int().min(1).max(86_400).default(600),
  AUTH_STEP_UP_MAX_AGE_S: z.coerce.number().int().min(1).max(86_400).default(600),
  /**
   * DPoP (RFC 9449): "allowed" takes bound tokens with their proofs and plain bearer tokens alike; "required" takes
   * only bound tokens (server/CONTRACT.md section 7). AUTH_DPOP: whether the auth service issues unbound tokens at all.
   */
  API_DPOP: z.enum(["allowed", "required"]).optional(),
  AUTH_DPOP: z.enum(["allowed", "required"]).optional(),
  /** The API's origin as clients address it (https://tasks.example.com), when a proxy in front changes the scheme or host. */
  API_PUBLIC_ORIGIN: optionalString.refine((value) => value === undefined || /^https?:\/\/[^/]+$/.test(value), {
    message: "an origin such as https://tasks.example.com (scheme and host, no path)",
  }),
  API_REVOCATION_MAX_STALENESS_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),

  REDIS_URL: optionalString,
  AUTH_SIGN_IN_PER_MINUTE: z.coerce.number().int().min(0).default(5),
  AUTH_SIGN_UP_PER_MINUTE: z.coerce.number().int().min(0).default(5),
  /** Production mail: any SMTP server (smtp:// or smtps://, credentials in the URL). Unset in development: the local catcher. */
  SMTP_URL: optionalString.refine((value) => value === undefined || /^smtps?:\/\//.test(value), { message: "an smtp:// or smtps:// URL" }),
  MAIL_FROM: optionalString,
  MAIL_CATCHER_PORT: port.default(0),
  MAIL_CATCHER_DIR: optionalString,
  /** A sign-up answers no sooner than this, so a taken address cannot be told from a new one by time. */
  AUTH_SIGN_UP_MINIMUM_MS: z.coerce.number().int().min(0).max(5_000).default(500),
  AUTH_SIGN_IN_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(0).default(10),
  AUTH_SIGN_IN_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  API_REQUESTS_PER_MINUTE_PER_USER: z.coerce.number().int().min(0).default(600),
  API_REQUESTS_PER_MINUTE_PER_IP: z.coerce.number().int().min(0).default(1200),
  API_LIVE_STREAMS_PER_USER: z.coerce.number().int().min(1).default(10),
  API_LIVE_STREAMS_PER_IP: z.coerce.number().int().min(1).default(50),
  /** Longest a single SQL statement may run before PostgreSQL cancels it (the request answers SERVICE_BUSY). */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(2_000),
  /** Longest a request waits for a pooled database connection before it answers SERVICE_BUSY. */
  DB_POOL_WAIT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  /** Statements one user may have in flight at once on one API instance; the rest of theirs wait in line. */
  DB_USER_IN_FLIGHT: z.coerce.number().int().min(1).max(100).default(2),
  /** Tasks one user may have. */
  TASKS_MAX_PER_USER: z.coerce.number().int().min(1).default(10_000),
  /** Bytes (UTF-8) of title and description one user may store across all their tasks: 10 MB. */
  TASKS_MAX_TEXT_BYTES_PER_USER: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(10 * 1024 * 1024),
  API_GRAPHIQL: z.enum(["true", "false"]).optional(),
  API_INTROSPECTION: z.enum(["true", "false"]).optional(),
  /**
   * Prometheus metrics (GET /metrics): on a port of their own per service (for a private network), or on the
   * service's own port to a bearer METRICS_TOKEN; neither set: no metrics endpoint at all. With a port, the
   * token (when set) is asked for there too.
   */
  API_METRICS_PORT: port.optional(),
  AUTH_METRICS_PORT: port.optional(),
  METRICS_TOKEN: optionalString.refine((value) => value === undefined || value.length >= 32, {
    message: "at least 32 characters (a random secret, e.g. openssl rand -base64 32)",
  }),
  /** OpenTelemetry traces go over OTLP/HTTP to `${this}/v1/traces` when set (a collector's base URL); unset: no tracing at all. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.refine((value) => value === undefined || /^https?:\/\/[^/]/.test(value), {
    message: "a collector's base URL such as http://localhost:4318 (/v1/traces is added)",
  }),
  /** The service.name spans carry; default tasks-api or tasks-auth (tasks for the single-process program). */
  OTEL_SERVICE_NAME: optionalString,
  /** Production only: allow http:// issuer and JWKS URLs (e.g. a private network behind TLS termination). */
  ALLOW_INSECURE_HTTP: z.enum(["true", "false"]).default("false"),
});

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {}

/** Parses an environment once; stops with every problem listed rather than the first. */
export function readEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${issue.path.join(".")}: ${issue.message}`);
    throw new EnvError(`Invalid environment:\n${problems.join("\n")}`);
  }
  return result.data;
}
