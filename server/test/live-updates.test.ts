// Live updates on one instance (in-process events): `subscription { taskEvents }` over GraphQL SSE with
// the bearer token. Each user gets exactly the events of their own successful writes, in order; nothing
// of anyone else's, nothing for a write that failed. A stream ends with its token: at expiry, at sign-out
// (through the revocation feed), and it cannot be opened anonymously or with a bad token. At most 10 per
// user; a consumer that stops reading is dropped with memory bounded.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LIVE_BUFFER_MAX } from "../src/schema/task-event.ts";
import { subscribe } from "./support/sse.ts";
import { ops } from "./support/task-operations.ts";
import { goodClaims, now } from "./support/token-forgery.ts";
import { startTestSystem, type TestSystem } from "./support/test-system.ts";

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

const api = () => ({ api: system.api });

describe("what a stream carries", () => {
  test("each user receives exactly the events of their own writes, in order, and nothing of another user's", async () => {
    const ada = await system.signUp("Ada");
    const bob = await system.signUp("Bob");
    const adaStream = await subscribe(api(), ada.token);
    const bobStream = await subscribe(api(), bob.token);
    expect(adaStream.status).toBe(200);
    expect(adaStream.contentType).toContain("text/event-stream");

    const task = await ops(system, ada).create({ title: "Buy milk" });
    await ops(system, ada).update(task.id, { completed: true });
    const other = await ops(system, bob).create({ title: "Bob's own" });
    await ops(system, ada).delete(task.id);

    const events = (await adaStream.waitFor(3)).map((result) => result.data?.taskEvents);
    expect(events).toEqual([
      { kind: "CREATED", taskId: task.id, task: { id: task.id, title: "Buy milk", completed: false } },
      { kind: "UPDATED", taskId: task.id, task: { id: task.id, title: "Buy milk", completed: true } },
      { kind: "DELETED", taskId: task.id, task: null },
    ]);
    expect((await bobStream.waitFor(1)).map((result) => result.data?.taskEvents.taskId)).toEqual([other.id]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(adaStream.results).toHaveLength(3);
    expect(bobStream.results).toHaveLength(1);
    adaStream.close();
    bobStream.close();
  });

  test("a write that fails or finds nothing publishes nothing: not to the writer, not to the owner", async () => {
    const owner = await system.signUp("Owner");
    const stranger = await system.signUp("Stranger");
    const task = await ops(system, owner).create({ title: "mine" });
    const ownerStream = await subscribe(api(), owner.token);
    const strangerStream = await subscribe(api(), stranger.token);
    await ops(system, stranger).send(`mutation { updateTask(id: "${task.id}", input: { title: "hijacked" }) { id } }`);
    await ops(system, stranger).send(`mutation { deleteTask(id: "${task.id}") }`);
    await ops(system, owner).send(`mutation { updateTask(id: "${task.id}", input: { title: "" }) { id } }`); // invalid input
    await ops(system, owner).update(task.id, { title: "still mine" }); // the one real change
    expect((await ownerStream.waitFor(1)).map((result) => result.data?.taskEvents.task.title)).toEqual(["still mine"]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ownerStream.results).toHaveLength(1);
    expect(strangerStream.results).toHaveLength(0);
    ownerStream.close();
    strangerStream.close();
  });
});

describe("who may open one", () => {
  test("anonymous: refused with UNAUTHENTICATED; a bad token: 401 before any stream opens", async () => {
    const anonymous = await subscribe(api(), undefined);
    await anonymous.ended;
    expect(anonymous.results[0]?.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(anonymous.results[0]?.data ?? null).toBeNull();

    const user = await system.signUp();
    for (const token of [
      `${user.token.slice(0, -4)}AAAA`,
      await system.signWithAuthKeys(goodClaims(user, { iat: now() - 3600, exp: now() - 1800 })),
    ]) {
      const refused = await subscribe(api(), token);
      expect(refused.status).toBe(401);
      expect(refused.contentType).toContain("text/event-stream"); // the answer in the form asked for
      await refused.ended;
      // The refusal, and no event: the stream never opened.
      expect(refused.results).toHaveLength(1);
      expect(refused.results[0]?.errors?.[0]?.extensions?.code).toBe("INVALID_TOKEN");
      expect(refused.results[0]?.data).toBeUndefined();
    }
  });
});

describe("when a stream ends", () => {
  test("at the token's expiry: a stream opened with a 2-second token completes by itself", async () => {
    const user = await system.signUp();
    const expiresAt = now() + 2;
    const shortToken = await system.signWithAuthKeys(goodClaims(user, { exp: expiresAt }));
    const stream = await subscribe(api(), shortToken);
    expect(stream.status).toBe(200);
    await ops(system, user).create({ title: "seen live" });
    await stream.waitFor(1);
    expect(await stream.ended).toBe("complete");
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt * 1000 - 50);
    expect(Date.now()).toBeLessThan(expiresAt * 1000 + 1_000);
  });

  test("at sign-out: the stream completes within a second; another session's stream stays open", async () => {
    const laptop = await system.signUp();
    const phone = await system.signIn(laptop.email);
    const laptopStream = await subscribe(api(), laptop.token);
    const phoneStream = await subscribe(api(), phone.token);
    const response = await system.authFetch("/api/auth/sign-out", { method: "POST", headers: { cookie: laptop.cookie }, body: "{}" });
    const signedOutAt = performance.now();
    expect(response.status).toBe(200);
    expect(await laptopStream.ended).toBe("complete");
    expect(performance.now() - signedOutAt).toBeLessThan(1_000);
    // The phone's session did not end: its stream still delivers.
    await ops(system, phone).create({ title: "from the phone" });
    expect((await phoneStream.waitFor(1))[0]?.data?.taskEvents.kind).toBe("CREATED");
    phoneStream.close();
  });
});

describe("limits", () => {
  test("the 11th open stream of a user is refused with RATE_LIMITED; closing one frees a place", async () => {
    expect(system.apiConfig.liveStreams.perUser).toBe(10); // the documented default (API_LIVE_STREAMS_PER_USER)
    const user = await system.signUp();
    const open = [];
    for (let i = 0; i < system.apiConfig.liveStreams.perUser; i += 1) {
      const stream = await subscribe(api(), user.token);
      expect(stream.status).toBe(200);
      open.push(stream);
    }
    const refused = await subscribe(api(), user.token);
    await refused.ended;
    expect(refused.results[0]?.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    // Another user is not affected by this user's streams.
    const other = await subscribe(api(), (await system.signUp()).token);
    expect(other.status).toBe(200);
    other.close();

    open.pop()!.close();
    await expect
      .poll(
        async () => {
          const again = await subscribe(api(), user.token);
          const refusedAgain = await Promise.race([
            again.ended.then(() => again.results[0]?.errors !== undefined),
            new Promise((r) => setTimeout(() => r(false), 300)),
          ]);
          again.close();
          return refusedAgain;
        },
        { timeout: 3_000 },
      )
      .toBe(false);
    for (const stream of open) stream.close();
  });

  test("a consumer that stops reading is dropped once its buffer is full; the instance's memory stays bounded", async () => {
    const user = await system.signUp();
    // Opened, then not read while the writes happen: nothing takes the events off the connection.
    const reader = await subscribe(api(), user.token, undefined, { paused: true });
    const rssBefore = process.memoryUsage().rss;
    const writes = LIVE_BUFFER_MAX * 3;
    for (let i = 0; i < writes; i += 1) await ops(system, user).create({ title: `flood ${i}`, description: "x".repeat(2_000) });
    reader.resume();
    const ended = await reader.ended;
    const rssAfter = process.memoryUsage().rss;
    expect(ended).toBe("complete");
    expect(reader.results.length).toBeLessThan(writes);
    console.log(
      `Slow consumer: ${writes} events written, ${reader.results.length} delivered before the stream was dropped; RSS ${(rssBefore / 1e6).toFixed(0)} MB before, ${(rssAfter / 1e6).toFixed(0)} MB after`,
    );
  }, 60_000);
});
