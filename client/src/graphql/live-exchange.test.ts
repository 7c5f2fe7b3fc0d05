// The live stream in urql's pipeline (graphql-sse in distinct connections mode), against a fake auth service
// and API at fetch that serve GraphQL SSE: which token each connection carries, what makes it reconnect and
// how soon, and when it gives up to the session-ended path.
import type { OperationResult } from "@urql/core";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createFakeBackend, type FakeBackend } from "../../test/support/fake-backend.ts";
import { createTokenStore, SessionEndedError, tokenFetcher } from "../auth/token-store.ts";
import type { TaskEventsSubscription as TaskEventsResult } from "../gql/graphql.ts";
import { createLiveStatus } from "../live/live-status.ts";
import { TaskEventsSubscription } from "../tasks/operations.ts";
import { createGraphQLClient } from "./client.ts";
import { retryDelay } from "./live-exchange.ts";

const MINUTE = 60_000;
const stops: (() => void)[] = [];

afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

function setUp(options: { delay?: (attempt: number) => number; silenceMs?: number } = {}) {
  let clock = Date.now();
  const backend = createFakeBackend({ now: () => clock });
  const user = backend.addUser("ada@example.com");
  backend.signInAs(user);
  const tokens = createTokenStore({
    userId: user.id,
    now: () => clock,
    fetchToken: tokenFetcher(async () => {
      const response = await backend.fetch("/api/auth/token");
      return response.ok
        ? { data: (await response.json()) as { token: string }, error: null }
        : { data: null, error: { status: response.status } };
    }),
  });
  const onSessionEnded = vi.fn();
  const status = createLiveStatus();
  const delays: number[] = [];
  const client = createGraphQLClient({
    tokens,
    onSessionEnded,
    liveStatus: status,
    url: "http://localhost:5173/graphql",
    fetch: ((input: RequestInfo | URL, init?: RequestInit) => backend.fetch(input, init)) as typeof fetch,
    liveRetryDelay: (attempt) => {
      delays.push(attempt);
      return options.delay?.(attempt) ?? 10;
    },
    liveSilenceMs: options.silenceMs,
  });
  const events: TaskEventsResult["taskEvents"][] = [];
  const subscribe = () => {
    const { unsubscribe } = client.subscription(TaskEventsSubscription, {}).subscribe((result: OperationResult<TaskEventsResult>) => {
      if (result.data) events.push(result.data.taskEvents);
    });
    stops.push(unsubscribe);
    return unsubscribe;
  };
  return { backend, user, tokens, status, onSessionEnded, delays, events, subscribe, advance: (ms: number) => (clock += ms) };
}

const streamRequests = (backend: FakeBackend) => backend.requests("/graphql").filter((request) => request.stream);
const live = (status: { state: string }) => expect.poll(() => status.state).toBe("live");

describe("opening the stream", () => {
  test("one POST to /graphql asking for text/event-stream, with the bearer token and no cookie; events arrive; Live", async () => {
    const { backend, user, status, events, subscribe } = setUp();
    expect(status.state).toBe("connecting");
    subscribe();
    await live(status);

    const [request, ...others] = streamRequests(backend);
    expect(others).toEqual([]);
    expect(request!.operationName).toBe("TaskEvents");
    expect(request!.body!.query).toMatch(/^subscription TaskEvents/);
    expect(request!.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(request!.credentials).toBe("omit");
    expect(backend.requests("/api/auth/token")).toHaveLength(1);

    const task = backend.createElsewhere(user, "Added on the phone");
    await expect
      .poll(() => events)
      .toEqual([
        { __typename: "TaskEvent", kind: "CREATED", taskId: task.id, task: expect.objectContaining({ title: "Added on the phone" }) },
      ]);
  });

  test("unsubscribing closes the connection, and nothing reconnects", async () => {
    const { backend, status, subscribe } = setUp();
    const unsubscribe = subscribe();
    await live(status);
    unsubscribe();
    await expect.poll(() => backend.openStreams()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(streamRequests(backend)).toHaveLength(1);
  });
});

describe("tokens, and streams the server ends", () => {
  test("a 401 renews the token once and reconnects at once with the new one", async () => {
    const { backend, tokens, status, delays, onSessionEnded, subscribe } = setUp();
    await tokens.renew();
    backend.revokeTokens(); // the API no longer takes that token; the session is fine
    subscribe();
    await live(status);

    const [refused, accepted] = streamRequests(backend);
    expect(streamRequests(backend)).toHaveLength(2);
    expect(accepted!.authorization).not.toBe(refused!.authorization);
    expect(accepted!.credentials).toBe("omit");
    expect(backend.requests("/api/auth/token")).toHaveLength(2);
    expect(delays).toEqual([]); // no waiting for the one renewal
    expect(onSessionEnded).not.toHaveBeenCalled();
  });

  test("refused again with the renewed token: it waits before the next try, renewing each time, never in a tight loop", async () => {
    const { backend, status, delays, subscribe } = setUp({ delay: () => 50 });
    const fetchBefore = backend.fetch;
    backend.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await fetchBefore(input, init);
      if (String(input).endsWith("/api/auth/token")) backend.revokeTokens(); // every token is refused, even fresh ones
      return response;
    }) as typeof backend.fetch;
    subscribe();
    await expect.poll(() => delays.length).toBeGreaterThanOrEqual(2);
    expect(delays.slice(0, 2)).toEqual([1, 2]);
    expect(status.state).not.toBe("live");
    // Each try after the first renewed: one token request per stream request, and about one try per wait.
    const tries = streamRequests(backend).length;
    expect(backend.requests("/api/auth/token").length).toBe(tries);
    expect(tries).toBeLessThanOrEqual(delays.length + 2);
  });

  test("when the server completes the stream at the token's expiry, it reconnects at once with a fresh token", async () => {
    const { backend, user, status, delays, events, subscribe, advance } = setUp();
    subscribe();
    await live(status);
    backend.createElsewhere(user, "one event: the stream was healthy");
    await expect.poll(() => events.length).toBe(1);

    advance(15 * MINUTE); // the token has expired; the server ends its stream
    backend.completeStreams();
    await expect.poll(() => backend.openStreams().length).toBe(1);
    await live(status);

    const [first, second] = streamRequests(backend);
    expect(streamRequests(backend)).toHaveLength(2); // no 401 on the way: renewed before reconnecting
    expect(second!.authorization).not.toBe(first!.authorization);
    expect(backend.requests("/api/auth/token")).toHaveLength(2);
    expect(delays).toEqual([]);
    expect(status.reopened).toBe(1);
    backend.createElsewhere(user, "after the reconnect");
    await expect.poll(() => events.map((event) => event.task?.title)).toEqual(["one event: the stream was healthy", "after the reconnect"]);
  });

  test("a stream the server ends as soon as it opens reconnects at once the first time, then waits longer each time in a row", async () => {
    const { backend, status, delays, subscribe } = setUp();
    subscribe();
    for (let round = 1; round <= 3; round += 1) {
      await expect.poll(() => backend.openStreams().length).toBe(1);
      await live(status);
      backend.completeStreams();
    }
    await expect.poll(() => backend.openStreams().length).toBe(1);
    expect(delays).toEqual([1, 2]);
  });

  test("completed at a revocation whose session is gone: the 401, one renewal, then the session-ended path, once, and no more connections", async () => {
    const { backend, status, onSessionEnded, subscribe } = setUp();
    subscribe();
    await live(status);
    backend.endSession(); // signed out elsewhere: tokens refused, none issued
    backend.completeStreams();

    await expect.poll(() => onSessionEnded.mock.calls.length).toBe(1);
    expect(onSessionEnded.mock.calls[0]![0]).toBeInstanceOf(SessionEndedError);
    expect(streamRequests(backend).map((request) => request.authorization !== null)).toEqual([true, true]);
    expect(backend.requests("/api/auth/token")).toHaveLength(2); // the first token, then the renewal that found no session
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(streamRequests(backend)).toHaveLength(2);
    expect(onSessionEnded).toHaveBeenCalledTimes(1);
  });
});

describe("when the connection is lost", () => {
  test("a cut stream says Reconnecting…, retries after a wait and is Live again; failures in a row wait longer", async () => {
    const { backend, status, delays, subscribe } = setUp();
    subscribe();
    await live(status);

    const fetchBefore = backend.fetch;
    let offline = true;
    backend.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (offline) throw new TypeError("Failed to fetch");
      return fetchBefore(input, init);
    }) as typeof backend.fetch;
    backend.cutStreams();
    await expect.poll(() => status.state).toBe("reconnecting");
    await expect.poll(() => delays.length).toBeGreaterThanOrEqual(3);
    expect(delays.slice(0, 3)).toEqual([1, 2, 3]);

    offline = false;
    await live(status);
    expect(backend.openStreams()).toHaveLength(1);
    expect(status.reopened).toBe(1);
  });

  test("the browser going offline drops the stream at once; coming back online reconnects without waiting out the backoff", async () => {
    const { backend, status, delays, subscribe } = setUp({ delay: () => 60_000 });
    subscribe();
    await live(status);

    window.dispatchEvent(new Event("offline"));
    await expect.poll(() => status.state).toBe("reconnecting");
    expect(backend.openStreams()).toEqual([]);
    await expect.poll(() => delays).toEqual([1]); // waiting a minute

    window.dispatchEvent(new Event("online"));
    await live(status);
    expect(streamRequests(backend)).toHaveLength(2);
  });
});

test("a connection that goes silent (no ping) is taken for dead and replaced; one that pings stays", async () => {
  const { backend, status, subscribe } = setUp({ silenceMs: 300 });
  subscribe();
  await live(status);
  const pinging = setInterval(() => backend.pingStreams(), 50);
  await new Promise((resolve) => setTimeout(resolve, 700));
  expect(streamRequests(backend)).toHaveLength(1);

  clearInterval(pinging); // the server, or the way to it, is gone without a word
  await expect.poll(() => streamRequests(backend).length, { timeout: 2_000 }).toBe(2);
  expect(backend.streams()[0]!.closed).toBe(true);
  await live(status);
});

test("the wait before the nth retry in a row: 1, 2, 4 ... seconds up to 30, each between half and all of it", () => {
  const ceilings = [1, 2, 3, 4, 5, 6, 7, 20].map((attempt) => retryDelay(attempt, () => 1));
  expect(ceilings).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  expect([1, 2, 6].map((attempt) => retryDelay(attempt, () => 0))).toEqual([500, 1_000, 15_000]);
});
