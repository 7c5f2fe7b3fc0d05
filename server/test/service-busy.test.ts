// One slow statement or a full pool must not become a 500 or hold a request for ever: PostgreSQL's
// statement_timeout and the pool's bounded wait answer HTTP 503 SERVICE_BUSY with Retry-After, logged
// with the request id. The slowness is real: another connection holds a lock on the task table, so the
// API's statements wait inside PostgreSQL exactly as they would behind a heavy query.
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createApiApp, type ApiApp } from "../src/api/app.ts";
import { closeSqlPool, createSqlPool } from "../src/db/sql-pool.ts";
import { captureLogs, type LogLine } from "./support/captured-logs.ts";
import { startTestSystem, type GraphQLResponse, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
let user: TestUser;
beforeAll(async () => {
  system = await startTestSystem();
  user = await system.signUp();
});
afterAll(() => system.close());

const TASKS = "{ tasks(first: 5) { totalCount edges { node { id } } } }";

/** An API app of its own on a client with the limits under test (the system's own has none). */
async function withLimitedApi(
  options: { poolSize: number; statementTimeoutMs: number; poolWaitMs: number },
  work: (api: ApiApp, logs: LogLine[]) => Promise<void>,
) {
  const db = createSqlPool(system.database.url, options);
  const { logger, lines: logs } = captureLogs();
  const api = createApiApp({ db, config: system.apiConfig, logger });
  try {
    await work(api, logs);
  } finally {
    await api.dispose();
    await closeSqlPool(db);
  }
}

/** Holds an exclusive lock on the task table until released: every Task statement waits behind it. */
async function lockTaskTable(): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: system.database.url });
  await client.connect();
  await client.query("BEGIN");
  await client.query('LOCK TABLE "task" IN ACCESS EXCLUSIVE MODE');
  return async () => {
    await client.query("ROLLBACK");
    await client.end();
  };
}

function expectServiceBusy(response: GraphQLResponse) {
  expect(response.status).toBe(503);
  expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
  const codes = response.body.errors?.map((error) => error.extensions?.code);
  expect(codes).toContain("SERVICE_BUSY");
  expect(codes).not.toContain("INTERNAL_SERVER_ERROR");
  expect(response.text).not.toMatch(/ at |canceling statement|timeout exceeded|LOCK/);
}

test("a statement that runs past the statement timeout answers 503 SERVICE_BUSY, logged with the request id", async () => {
  await withLimitedApi({ poolSize: 2, statementTimeoutMs: 300, poolWaitMs: 5_000 }, async (api, logs) => {
    const release = await lockTaskTable();
    try {
      const started = performance.now();
      const response = await system.graphql(TASKS, { token: user.token, api });
      expectServiceBusy(response);
      expect(performance.now() - started).toBeLessThan(3_000);
      const requestId = response.headers.get("x-request-id");
      expect(requestId).toBeTruthy();
      // The operator's copy names the request and the real cause, with its stack; the client's does not.
      expect(logs.some((line) => line.level === "error" && line.requestId === requestId && line.error?.includes("statement timeout"))).toBe(
        true,
      );
    } finally {
      await release();
    }
    // Nothing is left stuck: the same app answers normally once the lock is gone.
    const after = await system.graphql(TASKS, { token: user.token, api });
    expect(after.status).toBe(200);
    expect(after.body.data?.tasks.totalCount).toBe(0);
  });
});

test("a request that cannot get a pooled connection in time answers 503 SERVICE_BUSY instead of waiting for ever", async () => {
  await withLimitedApi({ poolSize: 1, statementTimeoutMs: 2_000, poolWaitMs: 200 }, async (api, logs) => {
    const release = await lockTaskTable();
    try {
      // The first request takes the only connection and waits on the lock; the second waits for the pool.
      const holding = system.graphql(TASKS, { token: user.token, api });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = performance.now();
      const waiting = await system.graphql(TASKS, { token: user.token, api });
      expectServiceBusy(waiting);
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(logs.some((line) => (line.error ?? line.msg).includes("timeout exceeded when trying to connect"))).toBe(true);
      expectServiceBusy(await holding);
    } finally {
      await release();
    }
    expect((await system.graphql(TASKS, { token: user.token, api })).status).toBe(200);
  });
});
