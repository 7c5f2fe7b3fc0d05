// GET /health and GET /ready on both services. Ready only when the service can do its job: the API when its
// database answers, its signing keys are within their stale bound and its revocation feed is current; the
// auth service when its database answers and it has a signing key. Not ready is a 503 with fixed reason
// strings and nothing else (no URL, no driver's error text), and ready again after recovery, no restart.
// The database outage is real (a PostgreSQL server of this test's own, stopped under running programs), the
// JWKS outage too (the auth service stopped), and the feed's connection is cut by a real TCP proxy.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApiApp, type ApiApp } from "../src/api/app.ts";
import type { KeySourceConfig } from "../src/config.ts";
import { freePort } from "../src/net/free-port.ts";
import { createRevocationFeed } from "../src/token-verification/revocation-feed.ts";
import { cuttableProxy } from "./support/cuttable-proxy.ts";
import { startPostgresServer, type PostgresServer } from "./support/postgres-server.ts";
import { startServiceProcess, type ServiceProcess } from "./support/service-process.ts";
import { startTestSystem, type TestSystem } from "./support/test-system.ts";

interface Readiness {
  status: number;
  cacheControl: string | null;
  text: string;
  body: { status?: string; reasons?: string[] };
}

async function readiness(fetchFrom: (request: Request) => Promise<Response> | Response, url: string): Promise<Readiness> {
  const response = await fetchFrom(new Request(url));
  const text = await response.text();
  return { status: response.status, cacheControl: response.headers.get("cache-control"), text, body: JSON.parse(text) };
}
const overHttp = (request: Request) => fetch(request);
const READY = { status: "ready" };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a not-ready answer must never carry: addresses, credentials, the drivers' and jose's own words. */
function expectNothingRevealed(answer: Readiness, secrets: string[]) {
  for (const secret of secrets) expect(answer.text).not.toContain(secret);
  expect(answer.text).not.toMatch(/postgres|ECONN|127\.0\.0\.1|localhost|https?:|JWKS|terminat|timeout|Error/i);
}

describe("the programs, over a database that goes away and comes back", () => {
  let postgres: PostgresServer;
  let mailDir: string;
  let auth: ServiceProcess & { url: string };
  let api: ServiceProcess & { url: string };
  let combined: ServiceProcess & { authUrl: string; apiUrl: string };
  let secret: string;

  beforeAll(async () => {
    postgres = await startPostgresServer();
    mailDir = mkdtempSync(path.join(tmpdir(), "tasks-readiness-mail-"));
    const [authPort, apiPort, combinedAuthPort, combinedApiPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const authUrl = `http://127.0.0.1:${authPort}`;
    secret = randomBytes(32).toString("base64url");
    const common = {
      NODE_ENV: "development",
      HOST: "127.0.0.1",
      DATABASE_URL: postgres.url,
      BETTER_AUTH_SECRET: secret,
      AUTH_BASE_URL: authUrl,
      MAIL_CATCHER_DIR: mailDir,
    };
    // The auth service first: it applies the migrations the others then find applied.
    auth = {
      ...(await startServiceProcess("src/auth/main.ts", { ...common, AUTH_PORT: String(authPort) }, "Auth service is running")),
      url: authUrl,
    };
    const [standalone, both] = await Promise.all([
      startServiceProcess("src/api/main.ts", { ...common, API_PORT: String(apiPort) }, "API service is running"),
      startServiceProcess(
        "src/main.ts",
        { ...common, AUTH_PORT: String(combinedAuthPort), API_PORT: String(combinedApiPort) },
        "Tasks is running",
      ),
    ]);
    api = { ...standalone, url: `http://127.0.0.1:${apiPort}` };
    combined = { ...both, authUrl: `http://127.0.0.1:${combinedAuthPort}`, apiUrl: `http://127.0.0.1:${combinedApiPort}` };
  }, 180_000);

  afterAll(async () => {
    await Promise.all([auth?.stop(), api?.stop(), combined?.stop()]);
    await postgres?.remove();
    if (mailDir) rmSync(mailDir, { recursive: true, force: true });
  });

  const everyService = () => [
    { name: "standalone auth service", url: auth.url },
    { name: "standalone API", url: api.url },
    { name: "auth service of the combined program", url: combined.authUrl },
    { name: "API of the combined program", url: combined.apiUrl },
  ];

  test("every service of both programs answers /health and /ready: ready when all is well, not cached", async () => {
    for (const { name, url } of everyService()) {
      expect((await fetch(`${url}/health`)).status, name).toBe(200);
      const ready = await readiness(overHttp, `${url}/ready`);
      expect({ name, status: ready.status, body: ready.body }).toEqual({ name, status: 200, body: READY });
      expect(ready.cacheControl, name).toBe("no-store");
    }
  });

  test("without the database: not ready (database_unavailable), alive, nothing revealed; ready again when it is back", async () => {
    await postgres.stop();
    try {
      for (const { name, url } of everyService()) {
        const answer = await readiness(overHttp, `${url}/ready`);
        expect({ name, status: answer.status, notReady: answer.body.status }).toEqual({ name, status: 503, notReady: "not ready" });
        expect(answer.body.reasons, name).toContain("database_unavailable");
        expect(answer.cacheControl, name).toBe("no-store");
        expectNothingRevealed(answer, [secret, postgres.url, new URL(postgres.url).password].filter(Boolean));
        // Liveness is another question: the process answers, and must not be restarted for an outage.
        expect((await fetch(`${url}/health`)).status, name).toBe(200);
      }
    } finally {
      await postgres.start();
    }
    const started = performance.now();
    for (const { name, url } of everyService()) {
      await expect
        .poll(async () => (await readiness(overHttp, `${url}/ready`)).body, { timeout: 15_000, interval: 100, message: name })
        .toEqual(READY);
    }
    console.log(`readiness: every service ready again ${((performance.now() - started) / 1000).toFixed(1)} s after the database came back`);
    for (const process of [auth, api, combined]) expect(process.alive()).toBe(true);
  }, 60_000);
});

describe("the API's keys and revocation feed", () => {
  let system: TestSystem;
  const apps: ApiApp[] = [];
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.dispose()));
    await system.close();
  });

  const API_READY_URL = "http://api.test/ready";
  const STALE_MAX_AGE_MS = 500;
  const remoteKeys = (): KeySourceConfig => ({
    kind: "remote-jwks",
    url: `${system.authUrl}/api/auth/jwks`,
    // The auth service mints its first key when first asked: enough time for that.
    timeoutMs: 5_000,
    cooldownMs: 30_000,
    cacheMaxAgeMs: 600_000,
    staleMaxAgeMs: STALE_MAX_AGE_MS,
    retryAfterMs: 200,
  });
  const track = (app: ApiApp) => {
    apps.push(app);
    return app;
  };

  test("a key set never fetched is fetched by /ready: ready at once, without a first request", async () => {
    const jwksRequestsBefore = system.jwksRequests;
    const api = track(system.apiWith({ keys: remoteKeys() }));
    expect((await readiness(api.fetch, API_READY_URL)).body).toEqual(READY);
    expect(system.jwksRequests).toBeGreaterThan(jwksRequestsBefore);
  });

  test("the JWKS unreachable past its stale bound: not ready (signing_keys_unavailable); ready again once it is back", async () => {
    const api = track(system.apiWith({ keys: remoteKeys() }));
    expect((await readiness(api.fetch, API_READY_URL)).body).toEqual(READY);
    await system.stopAuth();
    try {
      // Within the bound the last keys still serve: still ready.
      expect((await readiness(api.fetch, API_READY_URL)).body).toEqual(READY);
      await sleep(STALE_MAX_AGE_MS + 100);
      const answer = await readiness(api.fetch, API_READY_URL);
      expect({ status: answer.status, body: answer.body }).toEqual({
        status: 503,
        body: { status: "not ready", reasons: ["signing_keys_unavailable"] },
      });
      expect(answer.cacheControl).toBe("no-store");
      expectNothingRevealed(answer, [system.authUrl]);
    } finally {
      await system.startAuth();
    }
    await expect.poll(async () => (await readiness(api.fetch, API_READY_URL)).body, { timeout: 5_000, interval: 50 }).toEqual(READY);
  }, 20_000);

  test("a JWKS that cannot be had at start: not ready", async () => {
    await system.stopAuth();
    try {
      const api = track(system.apiWith({ keys: remoteKeys() }));
      expect((await readiness(api.fetch, API_READY_URL)).body).toEqual({ status: "not ready", reasons: ["signing_keys_unavailable"] });
    } finally {
      await system.startAuth();
    }
  });

  test("the revocation feed cut past its staleness bound: not ready (revocations_not_current); ready again once it is back", async () => {
    const proxy = await cuttableProxy(new URL(system.database.url));
    const maxStalenessMs = 1_000;
    const revocations = createRevocationFeed({
      connectionString: proxy.url,
      maxStalenessMs,
      horizonMs: 20 * 60_000,
      clockToleranceMs: 30_000,
    });
    const api = track(createApiApp({ db: system.pool, config: system.apiConfig, revocations }));
    expect((await readiness(api.fetch, API_READY_URL)).body).toEqual(READY);
    await proxy.cut();
    await sleep(maxStalenessMs + 200);
    const answer = await readiness(api.fetch, API_READY_URL);
    expect({ status: answer.status, body: answer.body }).toEqual({
      status: 503,
      body: { status: "not ready", reasons: ["revocations_not_current"] },
    });
    expectNothingRevealed(answer, [proxy.url]);
    await proxy.restore();
    await expect.poll(async () => (await readiness(api.fetch, API_READY_URL)).body, { timeout: 8_000, interval: 50 }).toEqual(READY);
  }, 20_000);
});
