// The same budgets in Redis, shared by every instance. Runs when REDIS_URL is set (CI's second run sets
// it to the machine's Redis); vitest.config.ts leaves this file out otherwise, since the project's
// default needs no Redis.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createAuthApp } from "../src/auth/app.ts";
import { createAuth } from "../src/auth/auth.ts";
import { CLIENT_IP_HEADER } from "../src/net/client-address.ts";
import { createRateLimitStore } from "../src/rate-limit/limiter.ts";
import { expectRateLimited } from "./support/rate-limit-expectations.ts";
import { PASSWORD, randomTestIp, SPA_ORIGIN, startTestSystem, type TestSystem } from "./support/test-system.ts";

const redisUrl = process.env.REDIS_URL!;
let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

test("the store is Redis when REDIS_URL is set", async () => {
  const store = createRateLimitStore(redisUrl);
  try {
    expect(store.kind).toBe("redis");
    const key = randomUUID();
    const rule = { max: 2, windowSeconds: 60 };
    expect((await store.consume("probe", rule, key)).allowed).toBe(true);
    expect((await store.consume("probe", rule, key)).allowed).toBe(true);
    const third = await store.consume("probe", rule, key);
    expect(third).toMatchObject({ allowed: false });
    expect(third.retryAfterSeconds).toBeGreaterThan(0);
  } finally {
    await store.close();
  }
});

test("two API instances share one per-user budget through Redis", async () => {
  const limits = { redisUrl, perUserPerMinute: 3, perIpPerMinute: 0 };
  const [first, second] = [system.apiWith({ rateLimit: limits }), system.apiWith({ rateLimit: limits })];
  const user = await system.signUp();
  expect((await system.graphql("{ me { id } }", { token: user.token, api: first })).status).toBe(200);
  expect((await system.graphql("{ me { id } }", { token: user.token, api: second })).status).toBe(200);
  expect((await system.graphql("{ me { id } }", { token: user.token, api: first })).status).toBe(200);
  expectRateLimited(await system.graphql("{ me { id } }", { token: user.token, api: second }));
});

test("two auth instances share the sign-in budget through Redis", async () => {
  const config = { ...system.authConfig, rateLimit: { redisUrl, signInPerMinute: 2, signUpPerMinute: 0 } };
  const [first, second] = [
    createAuthApp(createAuth(system.db, config, { mailer: system.mail.mailer })),
    createAuthApp(createAuth(system.db, config, { mailer: system.mail.mailer })),
  ];
  const ip = randomTestIp();
  const signIn = (app: typeof first) =>
    app.fetch(
      new Request(`${system.authUrl}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: SPA_ORIGIN, [CLIENT_IP_HEADER]: ip },
        body: JSON.stringify({ email: "nobody@example.com", password: PASSWORD }),
      }),
    );
  expect((await signIn(first)).status).toBe(401);
  expect((await signIn(second)).status).toBe(401);
  const refused = await signIn(first);
  expect(refused.status).toBe(429);
  expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
});

test("two auth instances share each account's failed sign-in budget through Redis, whatever the address", async () => {
  const config = {
    ...system.authConfig,
    rateLimit: { redisUrl, signInPerMinute: 0, signUpPerMinute: 0, accountFailures: { max: 3, windowSeconds: 60 } },
  };
  const [first, second] = [
    createAuthApp(createAuth(system.db, config, { mailer: system.mail.mailer })),
    createAuthApp(createAuth(system.db, config, { mailer: system.mail.mailer })),
  ];
  const email = `nobody-${randomUUID()}@example.com`;
  const signIn = (app: typeof first) =>
    app.fetch(
      new Request(`${system.authUrl}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: SPA_ORIGIN, [CLIENT_IP_HEADER]: randomTestIp() },
        body: JSON.stringify({ email, password: PASSWORD }),
      }),
    );
  expect([(await signIn(first)).status, (await signIn(second)).status, (await signIn(first)).status]).toEqual([401, 401, 401]);
  const refused = await signIn(second);
  expect(refused.status).toBe(429);
  expect(((await refused.json()) as { code: string }).code).toBe("TOO_MANY_FAILED_SIGN_INS");
});
