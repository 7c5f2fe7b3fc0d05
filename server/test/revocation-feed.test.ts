// When an API instance loses its revocation feed (connection dropped, database restarted), it keeps
// answering while it can vouch for its list, answers 503 AUTH_UNAVAILABLE past the staleness bound
// rather than accept a token that may have been revoked meanwhile, and recovers by itself, applying what
// was revoked while it was away. A real TCP proxy stands between the feed and PostgreSQL and is cut.
import { afterAll, beforeAll, expect, test } from "vitest";
import { createApiApp } from "../src/api/app.ts";
import { createRevocationFeed } from "../src/token-verification/revocation-feed.ts";
import { cuttableProxy } from "./support/cuttable-proxy.ts";
import { startTestSystem, type TestSystem } from "./support/test-system.ts";

const ME = "{ me { id } }";
const MAX_STALENESS_MS = 1_000;

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

function apiBehind(connectionString: string, log: string[]) {
  const revocations = createRevocationFeed({
    connectionString,
    maxStalenessMs: MAX_STALENESS_MS,
    horizonMs: 20 * 60_000,
    clockToleranceMs: 30_000,
    log: (line) => log.push(line),
  });
  return createApiApp({ db: system.pool, config: system.apiConfig, revocations });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a lost feed: served within the bound, 503 past it (tokens only), then recovery with what was revoked meanwhile", async () => {
  const proxy = await cuttableProxy(new URL(system.database.url));
  const log: string[] = [];
  const api = apiBehind(proxy.url, log);
  const laptop = await system.signUp();
  const phone = await system.signIn(laptop.email);
  expect((await system.graphql(ME, { token: laptop.token, api })).status).toBe(200);
  expect((await system.graphql(ME, { token: phone.token, api })).status).toBe(200);

  await proxy.cut();
  // Signed out while this instance cannot hear about it.
  await system.authFetch("/api/auth/sign-out", { method: "POST", headers: { cookie: phone.cookie }, body: "{}" });
  expect((await system.graphql(ME, { token: laptop.token, api })).status).toBe(200); // within the bound

  await sleep(MAX_STALENESS_MS + 200);
  for (const token of [laptop.token, phone.token]) {
    const refused = await system.graphql(ME, { token, api });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("AUTH_UNAVAILABLE");
    expect("data" in refused.body).toBe(false);
  }
  // Anonymous requests need no revocation list.
  expect((await system.graphql(ME, { api })).body).toEqual({ data: { me: null } });

  await proxy.restore();
  await expect
    .poll(async () => (await system.graphql(ME, { token: laptop.token, api })).status, { timeout: 8_000, interval: 50 })
    .toBe(200);
  // Caught up on reconnect: the sign-out made during the outage is in force.
  expect((await system.graphql(ME, { token: phone.token, api })).status).toBe(401);

  // Each transition once, however many reconnection attempts failed in between.
  expect(log.filter((line) => line.includes("connection lost"))).toHaveLength(1);
  expect(log.filter((line) => line.includes("not confirmed for over"))).toHaveLength(1);
  expect(log.filter((line) => line.includes("current again"))).toHaveLength(1);
  await api.dispose();
}, 30_000);

test("an instance that starts while its feed's database is unreachable refuses tokens with 503, never 200, and recovers by itself", async () => {
  const proxy = await cuttableProxy(new URL(system.database.url));
  await proxy.cut();
  const log: string[] = [];
  const api = apiBehind(proxy.url, log);
  const user = await system.signUp();
  const refused = await system.graphql(ME, { token: user.token, api });
  expect(refused.status).toBe(503);
  expect(refused.body.errors?.[0]?.extensions?.code).toBe("AUTH_UNAVAILABLE");
  await proxy.restore();
  await expect.poll(async () => (await system.graphql(ME, { token: user.token, api })).status, { timeout: 8_000, interval: 50 }).toBe(200);
  await api.dispose();
}, 30_000);
