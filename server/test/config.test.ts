// Configuration: production refuses to start without its secrets; bad values are named.
import { describe, expect, test } from "vitest";
import { apiConfig, authConfig, ConfigError } from "../src/config.ts";
import { EnvError, readEnv } from "../src/env.ts";

describe("auth service configuration", () => {
  test("production without BETTER_AUTH_SECRET or AUTH_BASE_URL stops, naming both", () => {
    expect(() => authConfig(readEnv({ NODE_ENV: "production" }))).toThrow(
      new ConfigError("The auth service will not start in production without: BETTER_AUTH_SECRET, AUTH_BASE_URL."),
    );
  });

  test("production with its secrets starts", () => {
    const config = authConfig(
      readEnv({ NODE_ENV: "production", BETTER_AUTH_SECRET: "s".repeat(32), AUTH_BASE_URL: "https://auth.example.com" }),
    );
    expect(config).toMatchObject({ production: true, issuer: "https://auth.example.com", audience: "tasks-api" });
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

  test("GraphiQL is off in production unless asked for", () => {
    expect(apiConfig(readEnv({ NODE_ENV: "production" })).graphiql).toBe(false);
    expect(apiConfig(readEnv({ NODE_ENV: "production", API_GRAPHIQL: "true" })).graphiql).toBe(true);
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
