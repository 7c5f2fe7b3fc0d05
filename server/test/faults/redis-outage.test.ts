// Redis stopped under running API instances and an auth service that keep their budgets and live updates
// in it, and started again. A Redis server of this test's own (support/redis-server.ts), so stopping it
// touches no one else; it runs whether or not the run was given REDIS_URL.
// What is guaranteed while Redis is away:
//  - live streams on every instance end cleanly (the SSE `complete` event), none stays open silently
//    missing the events it can no longer receive; a new one is refused (SERVICE_BUSY, Retry-After) until
//    Redis is back, then works on every instance;
//  - the API's request limits fail OPEN (they protect availability): requests are served, uncounted;
//  - the account's failed sign-in budget fails CLOSED: a sign-in is answered 503 SERVICE_BUSY with
//    Retry-After and its password is never checked, right or wrong, so whoever can make Redis unavailable
//    gets no unlimited guesses.
import { afterAll, beforeAll, expect, test } from "vitest";
import { startApiProcess, type ApiProcess } from "../support/api-process.ts";
import { startRedisServer, type RedisServer } from "../support/redis-server.ts";
import { type LiveSubscription, subscribe } from "../support/sse.ts";
import { PASSWORD, SPA_ORIGIN, startTestSystem, type TestSystem, type TestUser } from "../support/test-system.ts";
import { graphqlAnswer } from "../support/graphql-answer.ts";

const CREATE = "mutation ($title: String!) { createTask(input: { title: $title }) { id } }";
const COUNT = "{ tasks(first: 1) { totalCount } }";
/** How long a stream may take to end once Redis is gone: "no hang". */
const STREAM_END_WITHIN_MS = 5_000;
const BACK_WITHIN_MS = 15_000;

let redis: RedisServer;
let system: TestSystem;
let instances: ApiProcess[];
let users: TestUser[];

beforeAll(async () => {
  redis = await startRedisServer();
  system = await startTestSystem({
    auth: {
      rateLimit: {
        redisUrl: redis.url,
        // The per-IP sign-in limit, counted in Redis as well (it fails open, like the API's).
        signInPerMinute: 100,
        signUpPerMinute: 0,
        accountFailures: { max: 10, windowSeconds: 900 },
      },
    },
  });
  const env = { REDIS_URL: redis.url, API_REQUESTS_PER_MINUTE_PER_USER: "1000", API_REQUESTS_PER_MINUTE_PER_IP: "5000" };
  instances = await Promise.all([startApiProcess(system, env), startApiProcess(system, env)]);
  users = [await system.signUp("Ada"), await system.signUp("Bob")];
}, 120_000);

afterAll(async () => {
  await Promise.all((instances ?? []).map((instance) => instance.stop()));
  await system?.close();
  await redis?.stop();
});

function graphql(instance: ApiProcess, user: TestUser, query: string, variables: Record<string, unknown> = {}) {
  return graphqlAnswer(instance.url, user.token, query, variables);
}

async function signIn(email: string, password: string) {
  const checksBefore = system.passwordChecks;
  const response = await fetch(`${system.authUrl}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: SPA_ORIGIN },
    body: JSON.stringify({ email, password }),
  });
  const body = (await response.json().catch(() => ({}))) as { code?: string };
  return {
    status: response.status,
    code: response.status === 200 ? "" : String(body.code ?? "NO_CODE"),
    retryAfter: response.headers.get("retry-after"),
    passwordsChecked: system.passwordChecks - checksBefore,
  };
}

/** Every user's stream on every instance, labelled. */
async function openStreams(): Promise<{ label: string; user: number; stream: LiveSubscription }[]> {
  return Promise.all(
    users.flatMap((user, index) =>
      instances.map(async (instance, via) => ({
        label: `user ${index} on instance ${via}`,
        user: index,
        stream: await subscribe({ url: instance.url }, user.token),
      })),
    ),
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([promise, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms))]);
}

test("Redis stopped and started: streams end cleanly and work again, API limits fail open, sign-in budgets fail closed", async () => {
  const streams = await openStreams();
  for (const { stream } of streams) expect(stream.status).toBe(200);
  // Before: a write through either instance reaches the owner's streams on both.
  expect((await graphql(instances[0]!, users[0]!, CREATE, { title: "before the outage" })).code).toBe("");
  for (const { user, stream } of streams) await stream.waitFor(user === 0 ? 1 : 0);
  expect((await signIn(users[1]!.email, PASSWORD)).status).toBe(200);

  const stoppedAt = Date.now();
  await redis.stop();
  // 1. Every open stream ends, with `complete`, within seconds: none hangs.
  const ends = await Promise.all(
    streams.map(async ({ label, stream }) => {
      const how = await withTimeout(stream.ended, STREAM_END_WITHIN_MS, "still open" as const);
      return { label, how, afterMs: Date.now() - stoppedAt };
    }),
  );
  // 2. A new stream is refused, not opened deaf.
  const refusedStream = await subscribe({ url: instances[1]!.url }, users[0]!.token);
  const refusedEnd = await withTimeout(refusedStream.ended, STREAM_END_WITHIN_MS, "still open" as const);
  refusedStream.close();
  // 3. API requests with request limits on: served (fail open), reads and writes alike.
  const apiDuring = [];
  for (let i = 0; i < 10; i += 1) {
    const instance = instances[i % 2]!;
    apiDuring.push(await graphql(instance, users[i % 2]!, i % 2 ? COUNT : CREATE, { title: `during the outage ${i}` }));
  }
  // 4. Sign-ins: refused unchecked (fail closed), with the right password and with wrong ones.
  const signInsDuring = [await signIn(users[0]!.email, PASSWORD)];
  for (let i = 0; i < 15; i += 1) signInsDuring.push(await signIn(users[0]!.email, `wrong guess ${i}`));

  const startedAt = Date.now();
  await redis.start();
  // 5. Back: a new stream on each instance works (it receives the next write), and sign-in works again.
  let streamsBackAfterMs = -1;
  let reopened: LiveSubscription[] = [];
  while (Date.now() - startedAt < BACK_WITHIN_MS) {
    reopened = await Promise.all(instances.map((instance) => subscribe({ url: instance.url }, users[1]!.token)));
    const refusedAgain = await Promise.all(reopened.map((stream) => withTimeout(stream.ended, 200, "open" as const)));
    if (refusedAgain.every((how) => how === "open")) {
      streamsBackAfterMs = Date.now() - startedAt;
      break;
    }
    for (const stream of reopened) stream.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let signInBackAfterMs = -1;
  while (Date.now() - startedAt < BACK_WITHIN_MS) {
    if ((await signIn(users[0]!.email, PASSWORD)).status === 200) {
      signInBackAfterMs = Date.now() - startedAt;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const after = await graphql(instances[0]!, users[1]!, CREATE, { title: "after the outage" });
  const delivered = await Promise.all(
    reopened.map((stream) =>
      stream
        .waitFor(1, 5_000)
        .then((results) => results[0]?.data?.taskEvents?.task?.title as string)
        .catch((error: Error) => error.message),
    ),
  );
  for (const stream of reopened) stream.close();

  const tally = (answers: { status: number; code: string }[]) => {
    const counts = new Map<string, number>();
    for (const answer of answers)
      counts.set(`${answer.status} ${answer.code || "ok"}`, (counts.get(`${answer.status} ${answer.code || "ok"}`) ?? 0) + 1);
    return [...counts].map(([key, count]) => `${key} x${count}`).join(", ");
  };
  console.log(
    [
      "Redis outage (a redis-server of the test's own, killed and started again on its port):",
      `  open streams at the stop: ${streams.length}; ended: ${ends.map((end) => `${end.label} ${end.how} after ${end.afterMs} ms`).join("; ")}`,
      `  a new stream during the outage: ${refusedEnd}, ${JSON.stringify(refusedStream.results[0]?.errors?.[0]?.extensions?.code ?? null)}`,
      `  API requests during the outage (limits on, fail open): ${apiDuring.length} sent: ${tally(apiDuring)}`,
      `  sign-ins during the outage (budget fails closed): ${signInsDuring.length} sent: ${tally(signInsDuring)}; passwords checked: ${signInsDuring.reduce((sum, answer) => sum + answer.passwordsChecked, 0)}`,
      `  after Redis was back: new streams work after ${streamsBackAfterMs} ms, sign-in after ${signInBackAfterMs} ms; event on the new streams: ${JSON.stringify(delivered)}`,
    ].join("\n"),
  );

  for (const end of ends) expect(end.how, end.label).toBe("complete");
  expect(refusedEnd).not.toBe("still open");
  expect(refusedStream.results[0]?.errors?.[0]?.extensions?.code).toBe("SERVICE_BUSY");
  for (const answer of apiDuring) expect(answer).toMatchObject({ status: 200, code: "" });
  for (const answer of signInsDuring) {
    expect(answer).toMatchObject({ status: 503, code: "SERVICE_BUSY", passwordsChecked: 0 });
    expect(Number(answer.retryAfter)).toBeGreaterThan(0);
  }
  expect(streamsBackAfterMs).toBeGreaterThanOrEqual(0);
  expect(signInBackAfterMs).toBeGreaterThanOrEqual(0);
  expect(after.code).toBe("");
  expect(delivered).toEqual(["after the outage", "after the outage"]);
  for (const instance of instances) expect(instance.alive(), instance.output().slice(-2000)).toBe(true);
}, 90_000);
