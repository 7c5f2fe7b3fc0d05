// Configuration: production refuses to start without its secrets; bad values are named.
import { describe, expect, test } from "vitest";
import { apiConfig, authConfig, ConfigError, databaseLimits } from "../src/config.ts";
import { EnvError, readEnv } from "../src/env.ts";

describe("auth service configuration", () => {
  test("production without its secret, base URL and database stops, naming each", () => {
    expect(() => authConfig(readEnv({ NODE_ENV: "production" }))).toThrow(
      new ConfigError(
        "The auth service will not start in production:\n  - DATABASE_URL is required\n  - BETTER_AUTH_SECRET is required\n  - AUTH_BASE_URL is required\n  - SMTP_URL is required\n  - MAIL_FROM is required",
      ),
    );
  });

  test("production refuses a plain-HTTP base URL or issuer unless explicitly allowed", () => {
    const env = {
      NODE_ENV: "production",
      DATABASE_URL: "postgresql://db/x",
      BETTER_AUTH_SECRET: "s".repeat(32),
      AUTH_BASE_URL: "http://auth.example.com",
      SMTP_URL: "smtps://user:pass@smtp.example.com",
      MAIL_FROM: "Tasks <no-reply@example.com>",
    };
    expect(() => authConfig(readEnv(env))).toThrow(/AUTH_BASE_URL must be an https:\/\/ URL/);
    expect(() => authConfig(readEnv({ ...env, AUTH_BASE_URL: "https://auth.example.com", JWT_ISSUER: "http://auth.example.com" }))).toThrow(
      /JWT_ISSUER must be an https:\/\/ URL/,
    );
    expect(authConfig(readEnv({ ...env, ALLOW_INSECURE_HTTP: "true" })).baseURL).toBe("http://auth.example.com");
  });

  test("production with its secrets starts", () => {
    const config = authConfig(
      readEnv({
        NODE_ENV: "production",
        DATABASE_URL: "postgresql://db/x",
        BETTER_AUTH_SECRET: "s".repeat(32),
        AUTH_BASE_URL: "https://auth.example.com",
        SMTP_URL: "smtps://user:pass@smtp.example.com",
        MAIL_FROM: "Tasks <no-reply@example.com>",
      }),
    );
    expect(config).toMatchObject({
      production: true,
      issuer: "https://auth.example.com",
      audience: "tasks-api",
      mail: { kind: "smtp", url: "smtps://user:pass@smtp.example.com", from: "Tasks <no-reply@example.com>" },
      dpop: "required",
    });
  });

  test("a short secret is refused", () => {
    expect(() => authConfig(readEnv({ BETTER_AUTH_SECRET: "short" }))).toThrow(/at least 32 characters/);
    expect(() => authConfig(readEnv({ BETTER_AUTH_SECRET: "s".repeat(32), JWT_SHARED_SECRET: "short" }))).toThrow(
      /JWT_SHARED_SECRET must be at least 32/,
    );
  });
});

describe("API configuration", () => {
  test("defaults to the auth service's JWKS and its own audience", () => {
    expect(apiConfig(readEnv({}))).toMatchObject({
      keys: { kind: "remote-jwks", url: "http://localhost:4001/api/auth/jwks" },
      issuer: "http://localhost:4001",
      audience: "tasks-api",
      graphiql: true,
    });
  });

  test("a shared secret switches the API to HS256 only; a static JWKS to no network", () => {
    expect(apiConfig(readEnv({ JWT_SHARED_SECRET: "x".repeat(32) })).keys).toEqual({ kind: "shared-secret", secret: "x".repeat(32) });
    expect(apiConfig(readEnv({ API_JWKS: '{"keys":[]}' })).keys).toEqual({ kind: "static-jwks", jwks: '{"keys":[]}' });
  });

  const productionApi = { NODE_ENV: "production", DATABASE_URL: "postgresql://db/x", AUTH_BASE_URL: "https://auth.example.com" };

  test("production without a database, issuer or key source stops, naming each", () => {
    expect(() => apiConfig(readEnv({ NODE_ENV: "production" }))).toThrow(
      new ConfigError(
        "The API will not start in production:\n  - DATABASE_URL is required\n  - JWT_ISSUER (or AUTH_BASE_URL) is required\n  - a key source is required: API_JWKS_URL, API_JWKS or JWT_SHARED_SECRET",
      ),
    );
  });

  test("production refuses a plain-HTTP JWKS URL", () => {
    expect(() => apiConfig(readEnv({ ...productionApi, API_JWKS_URL: "http://auth.internal/api/auth/jwks" }))).toThrow(
      /API_JWKS_URL must be an https:\/\/ URL/,
    );
  });

  test("DPoP: only bound tokens in production, bearer tokens too in development, either when set", () => {
    expect(apiConfig(readEnv(productionApi)).dpop).toBe("required");
    expect(apiConfig(readEnv({ ...productionApi, API_DPOP: "allowed" })).dpop).toBe("allowed");
    expect(apiConfig(readEnv({})).dpop).toBe("allowed");
    expect(apiConfig(readEnv({ API_DPOP: "required" })).dpop).toBe("required");
    expect(authConfig(readEnv({ BETTER_AUTH_SECRET: "s".repeat(32) })).dpop).toBe("allowed");
    expect(authConfig(readEnv({ BETTER_AUTH_SECRET: "s".repeat(32), AUTH_DPOP: "required" })).dpop).toBe("required");
    expect(() => readEnv({ API_DPOP: "sometimes" })).toThrow(/API_DPOP/);
  });

  test("GraphiQL, introspection and cross-origin callers are off in production unless asked for", () => {
    const config = apiConfig(readEnv(productionApi));
    expect(config).toMatchObject({ graphiql: false, introspection: false, corsOrigins: [] });
    expect(apiConfig(readEnv({ ...productionApi, API_GRAPHIQL: "true", API_INTROSPECTION: "true" }))).toMatchObject({
      graphiql: true,
      introspection: true,
    });
  });
});

test("an invalid environment lists every problem at once", () => {
  expect(() => readEnv({ API_PORT: "eighty", NODE_ENV: "staging" })).toThrow(EnvError);
  try {
    readEnv({ API_PORT: "eighty", NODE_ENV: "staging" });
  } catch (error) {
    expect(String(error)).toMatch(/NODE_ENV[\s\S]*API_PORT|API_PORT[\s\S]*NODE_ENV/);
  }
});

test("database limits: a 2 s statement timeout and a 2 s pool wait by default, nonsense refused", () => {
  expect(databaseLimits(readEnv({}))).toEqual({ statementTimeoutMs: 2_000, poolWaitMs: 2_000 });
  expect(databaseLimits(readEnv({ DB_STATEMENT_TIMEOUT_MS: "500", DB_POOL_WAIT_MS: "250" }))).toEqual({
    statementTimeoutMs: 500,
    poolWaitMs: 250,
  });
  expect(() => readEnv({ DB_STATEMENT_TIMEOUT_MS: "0", DB_POOL_WAIT_MS: "soon" })).toThrow(/DB_STATEMENT_TIMEOUT_MS[\s\S]*DB_POOL_WAIT_MS/);
});

test("reading the auth configuration has no side effect: without BETTER_AUTH_SECRET it refuses, it never makes one up", () => {
  expect(() => authConfig(readEnv({}))).toThrow(/BETTER_AUTH_SECRET is required/);
});
