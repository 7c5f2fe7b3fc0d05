// The token handling in urql's exchange pipeline, against a fake auth service and API at fetch.
import { describe, expect, test, vi } from "vitest";
import { createFakeBackend, type FakeBackend } from "../../test/support/fake-backend.ts";
import { createTokenStore, SessionEndedError, tokenFetcher } from "../auth/token-store.ts";
import { TasksQuery } from "../tasks/operations.ts";
import { createGraphQLClient } from "./client.ts";

const SECOND = 1000;

function setUp(options: { tokenLifetimeSeconds?: number } = {}) {
  let clock = Date.parse("2026-01-01T10:00:00Z");
  const backend = createFakeBackend({ ...options, now: () => clock });
  const user = backend.addUser("ada@example.com");
  backend.addTask(user, "Ada's task");
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
  const client = createGraphQLClient({
    tokens,
    onSessionEnded,
    url: "http://localhost:5173/graphql",
    fetch: backend.fetch as typeof fetch,
  });
  const listTasks = () => client.query(TasksQuery, { first: 20 }, { requestPolicy: "network-only" }).toPromise();
  return { backend, user, tokens, client, onSessionEnded, listTasks, advance: (ms: number) => (clock += ms) };
}

const paths = (backend: FakeBackend) => backend.sent.map((request) => request.path);

describe("the auth exchange", () => {
  test("gets a token first and sends it as a bearer token, and the session cookie never", async () => {
    const { backend, listTasks } = setUp();
    const result = await listTasks();
    expect(result.error).toBeUndefined();
    expect(result.data?.tasks.edges.map((edge) => edge.node.title)).toEqual(["Ada's task"]);
    expect(paths(backend)).toEqual(["/api/auth/token", "/graphql"]);
    expect(backend.requests("/graphql")[0]!.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(backend.requests("/graphql")[0]!.credentials).toBe("omit");
  });

  test("renews a token that is about to expire before sending the next operation, so the API never sees it expired", async () => {
    const { backend, listTasks, advance } = setUp({ tokenLifetimeSeconds: 15 * 60 });
    await listTasks();
    advance(10 * 60 * SECOND);
    await listTasks(); // 10 of 15 minutes: the same token.
    advance(4 * 60 * SECOND + SECOND); // 14:01: renew first.
    const result = await listTasks();

    expect(result.error).toBeUndefined();
    expect(paths(backend)).toEqual(["/api/auth/token", "/graphql", "/graphql", "/api/auth/token", "/graphql"]);
    const [first, second, third] = backend.requests("/graphql").map((request) => request.authorization);
    expect(second).toBe(first);
    expect(third).not.toBe(first);
    expect(backend.requests("/api/auth/token")).toHaveLength(2);
  });

  test("on a 401 renews the token once and retries the operation once, with the new token", async () => {
    const { backend, listTasks, onSessionEnded } = setUp();
    await listTasks();
    backend.revokeTokens(); // e.g. the API no longer accepts the old token; the session is fine.
    const result = await listTasks();

    expect(result.error).toBeUndefined();
    expect(result.data?.tasks.totalCount).toBe(1);
    expect(paths(backend)).toEqual(["/api/auth/token", "/graphql", "/graphql", "/api/auth/token", "/graphql"]);
    const graphqlCalls = backend.requests("/graphql");
    expect(graphqlCalls[2]!.authorization).not.toBe(graphqlCalls[1]!.authorization);
    expect(graphqlCalls.map((call) => call.credentials)).toEqual(["omit", "omit", "omit"]); // the retry too
    expect(onSessionEnded).not.toHaveBeenCalled();
  });

  test("a 401 after the retry is not retried again: the error reaches the caller", async () => {
    const { backend, listTasks } = setUp();
    await listTasks();
    const fetchBefore = backend.fetch;
    // The API refuses every token from now on, even fresh ones.
    backend.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await fetchBefore(input, init);
      if (String(input).endsWith("/api/auth/token")) backend.revokeTokens();
      return response;
    }) as typeof backend.fetch;
    backend.revokeTokens();
    const result = await listTasks();

    expect(result.error?.response?.status).toBe(401);
    expect(backend.requests("/graphql")).toHaveLength(3); // the first list, then one try and one retry
    expect(backend.requests("/api/auth/token")).toHaveLength(2);
  });

  test("when renewal finds the session gone, the operation fails with SessionEndedError and the app is told once", async () => {
    const { backend, listTasks, onSessionEnded } = setUp();
    await listTasks();
    backend.endSession();
    const result = await listTasks();

    expect(result.error?.networkError).toBeInstanceOf(SessionEndedError);
    expect(onSessionEnded).toHaveBeenCalledTimes(1);
    expect(backend.requests("/graphql")).toHaveLength(2);
  });
});
