// GET /metrics (Prometheus text) on both services, as the real programs serve it: nowhere by default; with
// METRICS_TOKEN on each service's own port to that bearer only; with API_METRICS_PORT / AUTH_METRICS_PORT on
// those ports only. After a sign-up, a sign-in, a failed sign-in, a good GraphQL request, a forged token and a
// rate-limited request, the counters moved with the right labels, and nothing in the text names the user, the
// token or the client's address.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApiApp } from "../src/api/app.ts";
import { apiConfig } from "../src/config.ts";
import { closeSqlPool, createSqlPool } from "../src/db/sql-pool.ts";
import { readEnv } from "../src/env.ts";
import { freePort } from "../src/net/free-port.ts";
import { mailedLink } from "./support/mail-files.ts";
import { startServiceProcess, type ServiceProcess } from "./support/service-process.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";
import { PASSWORD, sessionCookie } from "./support/test-system.ts";
import { decodePayload, forgePayload } from "./support/token-forgery.ts";

const ORIGIN = "http://localhost:5173";
const METRICS_TOKEN = randomBytes(32).toString("base64url");
const PER_USER_PER_MINUTE = 4;

let database: TestDatabase;
let mailDir: string;
const processes: ServiceProcess[] = [];

async function start(entry: string, env: Record<string, string>, readyText: string): Promise<ServiceProcess> {
  const started = await startServiceProcess(entry, env, readyText);
  processes.push(started);
  return started;
}

beforeAll(async () => {
  database = await createTestDatabase();
  mailDir = mkdtempSync(path.join(tmpdir(), "tasks-metrics-mail-"));
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((running) => running.stop()));
  await database?.drop();
  if (mailDir) rmSync(mailDir, { recursive: true, force: true });
});

function commonEnv(authUrl: string): Record<string, string> {
  return {
    NODE_ENV: "development",
    HOST: "127.0.0.1",
    DATABASE_URL: database.url,
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
    AUTH_BASE_URL: authUrl,
    MAIL_CATCHER_DIR: mailDir,
    AUTH_SIGN_UP_MINIMUM_MS: "0",
  };
}

/** A sample's value from the Prometheus text: the series named `name` whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe("not configured (the default)", () => {
  test("neither service serves /metrics", async () => {
    const [authPort, apiPort] = await Promise.all([freePort(), freePort()]);
    const authUrl = `http://127.0.0.1:${authPort}`;
    await start(
      "src/main.ts",
      { ...commonEnv(authUrl), AUTH_PORT: String(authPort), API_PORT: String(apiPort), METRICS_TOKEN: "" },
      "Tasks is running",
    );
    for (const url of [authUrl, `http://127.0.0.1:${apiPort}`]) {
      expect((await fetch(`${url}/metrics`)).status, url).toBe(404);
      expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status, url).toBe(404);
    }
  }, 90_000);
});

describe("on ports of their own (API_METRICS_PORT, AUTH_METRICS_PORT), in the program that runs both", () => {
  test("served there, and the services' own ports answer /metrics with 404", async () => {
    const [authPort, apiPort, authMetricsPort, apiMetricsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const authUrl = `http://127.0.0.1:${authPort}`;
    await start(
      "src/main.ts",
      {
        ...commonEnv(authUrl),
        AUTH_PORT: String(authPort),
        API_PORT: String(apiPort),
        AUTH_METRICS_PORT: String(authMetricsPort),
        API_METRICS_PORT: String(apiMetricsPort),
      },
      "Tasks is running",
    );
    await fetch(`${authUrl}/health`);
    for (const [service, servicePort, metricsPort] of [
      ["auth", authPort, authMetricsPort],
      ["api", apiPort, apiMetricsPort],
    ] as const) {
      expect((await fetch(`http://127.0.0.1:${servicePort}/metrics`)).status, service).toBe(404);
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scraped.status, service).toBe(200);
      expect(scraped.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await scraped.text();
      // One registry per service, with the process's default metrics in each.
      expect(sample(text, "process_cpu_seconds_total"), service).toBeGreaterThanOrEqual(0);
      expect(text).toContain("http_request_duration_seconds");
      expect((await fetch(`http://127.0.0.1:${metricsPort}/graphql`)).status, service).toBe(404);
    }
  }, 90_000);
});

describe("on the services' own ports, to METRICS_TOKEN", () => {
  let authUrl: string;
  let apiUrl: string;

  beforeAll(async () => {
    const [authPort, apiPort] = await Promise.all([freePort(), freePort()]);
    authUrl = `http://127.0.0.1:${authPort}`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const env = { ...commonEnv(authUrl), METRICS_TOKEN, API_REQUESTS_PER_MINUTE_PER_USER: String(PER_USER_PER_MINUTE) };
    await start("src/auth/main.ts", { ...env, AUTH_PORT: String(authPort) }, "Auth service is running");
    await start("src/api/main.ts", { ...env, API_PORT: String(apiPort) }, "API service is running");
  }, 120_000);

  const scrape = (url: string, bearer?: string) =>
    fetch(`${url}/metrics`, { headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` } });

  test("401 without the bearer or with a wrong one, 200 with it", async () => {
    for (const url of [authUrl, apiUrl]) {
      const without = await scrape(url);
      expect(without.status, url).toBe(401);
      expect(without.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect((await scrape(url, `${METRICS_TOKEN.slice(0, -1)}x`)).status, url).toBe(401);
      expect((await scrape(url, "short")).status, url).toBe(401);
      const allowed = await scrape(url, METRICS_TOKEN);
      expect(allowed.status, url).toBe(200);
      expect(allowed.headers.get("cache-control")).toBe("no-store");
    }
  });

  test("sign-up, sign-in, a failed sign-in, GraphQL, a forged token, a rate limit: counted by class, nothing personal in the text", async () => {
    const email = `metrics-${randomBytes(4).toString("hex")}@example.com`;
    const authPost = (pathname: string, body: unknown, cookie?: string) =>
      fetch(`${authUrl}${pathname}`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: ORIGIN, ...(cookie ? { cookie } : {}) },
        body: JSON.stringify(body),
      });
    expect(
      (await authPost("/api/auth/sign-up/email", { email, password: PASSWORD, name: "Metrics", callbackURL: `${ORIGIN}/` })).status,
    ).toBe(200);
    await fetch(await mailedLink(mailDir, email, "Verify your email for Tasks"), { redirect: "manual" });
    expect((await authPost("/api/auth/sign-in/email", { email, password: `${PASSWORD} not` })).status).toBe(401);
    const signIn = await authPost("/api/auth/sign-in/email", { email, password: PASSWORD });
    expect(signIn.status).toBe(200);
    const tokenAnswer = await fetch(`${authUrl}/api/auth/token`, { headers: { cookie: sessionCookie(signIn), origin: ORIGIN } });
    const { token } = (await tokenAnswer.json()) as { token: string };
    const userId = String(decodePayload(token).sub);

    const graphql = (query: string, bearer: string) =>
      fetch(`${apiUrl}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
        body: JSON.stringify({ query }),
      });
    expect((await graphql("query Me { me { id } }", token)).status).toBe(200);
    // Someone else's id under the user's signature: the signature no longer matches.
    expect((await graphql("{ me { id } }", forgePayload(token, { ...decodePayload(token), sub: "someone-else" }))).status).toBe(401);
    const statuses: number[] = [];
    for (let sent = 1; sent < PER_USER_PER_MINUTE + 2; sent += 1) statuses.push((await graphql("{ me { id } }", token)).status);
    const refused = statuses.filter((status) => status === 429).length;
    expect(refused).toBeGreaterThan(0);

    const auth = await (await scrape(authUrl, METRICS_TOKEN)).text();
    const api = await (await scrape(apiUrl, METRICS_TOKEN)).text();
    console.log(
      `metrics: auth ${auth.length} bytes, api ${api.length} bytes; auth sign-in p(count) ${sample(auth, "http_request_duration_seconds_count", { route: "/api/auth/sign-in/email" })}`,
    );

    expect(sample(auth, "auth_sign_ups_total", { result: "accepted" })).toBe(1);
    expect(sample(auth, "auth_sign_ins_total", { result: "success" })).toBe(1);
    expect(sample(auth, "auth_sign_ins_total", { result: "bad_credentials" })).toBe(1);
    expect(sample(auth, "http_request_duration_seconds_count", { service: "auth", route: "/api/auth/sign-in/email", status: "401" })).toBe(
      1,
    );
    expect(sample(auth, "http_request_duration_seconds_count", { service: "auth", route: "/api/auth/token", status: "200" })).toBe(1);
    // The mailed link's path holds its token: counted as the endpoint, never the path.
    expect(
      sample(auth, "http_request_duration_seconds_count", { service: "auth", route: "/api/auth/verify-email" }),
    ).toBeGreaterThanOrEqual(1);

    expect(sample(api, "graphql_operation_duration_seconds_count", { operation: "Me", type: "query" })).toBe(1);
    expect(sample(api, "graphql_operation_duration_seconds_count", { operation: "anonymous", type: "query" })).toBeGreaterThanOrEqual(1);
    expect(sample(api, "auth_token_rejections_total", { reason: "signature" })).toBe(1);
    expect(sample(api, "auth_token_rejections_total", { reason: "expired" })).toBe(0);
    expect(sample(api, "rate_limit_refusals_total", { limit: "user" })).toBe(refused);
    expect(sample(api, "rate_limit_refusals_total", { limit: "ip" })).toBe(0);
    expect(sample(api, "http_request_duration_seconds_count", { service: "api", route: "/graphql", status: "429" })).toBe(refused);
    expect(sample(api, "jwks_age_seconds")).toBeGreaterThanOrEqual(0);
    expect(sample(api, "revocation_feed_lag_seconds")).toBeGreaterThanOrEqual(0);
    expect(sample(api, "jwks_fetch_failures_total")).toBe(0);
    expect(sample(api, "live_streams_open")).toBe(0);
    expect(sample(api, "quota_refusals_total")).toBe(0);
    expect(sample(api, "db_pool_connections_in_use")).toBeGreaterThanOrEqual(0);
    expect(sample(api, "db_pool_waiting")).toBe(0);

    for (const text of [auth, api]) {
      for (const personal of [email, email.split("@")[0]!, userId, token, token.split(".")[2]!, "127.0.0.1", "someone-else"]) {
        expect(text).not.toContain(personal);
      }
    }
  }, 60_000);
});

describe("label cardinality (the API app in-process)", () => {
  test("operation names past 200, or not GraphQL names, count as other; a path with an id counts as other", async () => {
    const pool = createSqlPool(database.url, { poolSize: 2 });
    const config = apiConfig(readEnv({ NODE_ENV: "test", JWT_SHARED_SECRET: randomBytes(32).toString("hex"), METRICS_TOKEN }));
    const api = createApiApp({ db: pool, config: { ...config, rateLimit: undefined } });
    try {
      const ask = (query: string, operationName?: string) =>
        api.fetch(
          new Request("http://api.test/graphql", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query, ...(operationName ? { operationName } : {}) }),
          }),
        );
      for (let index = 0; index < 205; index += 1) expect((await ask(`query Named${index} { __typename }`)).status).toBe(200);
      // A GraphQL name of 65 characters: valid, but longer than a label may be.
      const long = `L${"o".repeat(64)}`;
      expect((await ask(`query ${long} { __typename }`)).status).toBe(200);
      expect((await api.fetch(new Request("http://api.test/graphql/0b9a5c1e-user-id"))).status).toBe(404);

      const text = await (
        await api.fetch(new Request("http://api.test/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }))
      ).text();
      const operations = new Set(
        [...text.matchAll(/graphql_operation_duration_seconds_count\{operation="([^"]*)"/g)].map((match) => match[1]),
      );
      expect(operations.size).toBe(201);
      expect(operations.has("Named199")).toBe(true);
      expect(operations.has("Named200")).toBe(false);
      expect(operations.has(long)).toBe(false);
      expect(sample(text, "graphql_operation_duration_seconds_count", { operation: "other" })).toBe(6);
      expect(text).not.toContain("0b9a5c1e");
      expect(sample(text, "http_request_duration_seconds_count", { route: "other", status: "404" })).toBe(1);
    } finally {
      await api.dispose();
      await closeSqlPool(pool);
    }
  }, 60_000);
});
