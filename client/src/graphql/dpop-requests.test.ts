// Every request the GraphQL client sends with a DPoP-bound token (queries over fetch, the live stream, the token
// renewals), against a fake auth service that binds tokens to the proof's key and a fake API that takes a bound
// token only with a valid proof for that request by that key (test/support/fake-backend.ts, `dpop`).
import type { OperationResult } from "@urql/core";
import { generateKeyPair, type KeyPair } from "dpop";
import { afterEach, describe, expect, test, vi } from "vitest";
import { readProof, sha256, thumbprintOf } from "../../test/support/dpop-proofs.ts";
import { createFakeBackend, type FakeBackend } from "../../test/support/fake-backend.ts";
import { createTokenStore, type TokenAnswer, tokenFetcher } from "../auth/token-store.ts";
import type { TaskEventsSubscription as TaskEventsResult } from "../gql/graphql.ts";
import { createLiveStatus } from "../live/live-status.ts";
import { TaskEventsSubscription, TasksQuery } from "../tasks/operations.ts";
import { createGraphQLClient } from "./client.ts";

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

async function setUp(options: { tokenLifetimeSeconds?: number } = {}) {
  let clock = Date.now();
  const backend = createFakeBackend({ ...options, dpop: true, now: () => clock });
  const user = backend.addUser("ada@example.com");
  backend.addTask(user, "Ada's task");
  backend.signInAs(user);
  const key: KeyPair = await generateKeyPair("ES256", { extractable: false });
  const keyFor = vi.fn(async () => key);
  const tokens = createTokenStore({
    userId: user.id,
    now: () => clock,
    // As graphql-provider.tsx asks: Better Auth's client answers { data, error } with the body's fields in error.
    fetchToken: tokenFetcher(
      async (headers) => {
        const response = await backend.fetch("/api/auth/token", { headers });
        const body = (await response.json()) as TokenAnswer & Record<string, unknown>;
        return response.ok ? { data: body, error: null } : { data: null, error: { ...body, status: response.status } };
      },
      { key: keyFor, url: "http://localhost:5173/api/auth/token" },
    ),
  });
  const onSessionEnded = vi.fn();
  const liveStatus = createLiveStatus();
  const client = createGraphQLClient({
    tokens,
    onSessionEnded,
    liveStatus,
    url: "http://localhost:5173/graphql",
    fetch: ((input: RequestInfo | URL, init?: RequestInit) => backend.fetch(input, init)) as typeof fetch,
    liveRetryDelay: () => 10,
  });
  const listTasks = () => client.query(TasksQuery, { first: 20 }, { requestPolicy: "network-only" }).toPromise();
  const events: TaskEventsResult["taskEvents"][] = [];
  const subscribe = () => {
    const { unsubscribe } = client.subscription(TaskEventsSubscription, {}).subscribe((result: OperationResult<TaskEventsResult>) => {
      if (result.data) events.push(result.data.taskEvents);
    });
    stops.push(unsubscribe);
  };
  const thumbprint = await thumbprintOf(await crypto.subtle.exportKey("jwk", key.publicKey));
  return {
    backend,
    user,
    key,
    keyFor,
    thumbprint,
    tokens,
    onSessionEnded,
    liveStatus,
    listTasks,
    events,
    subscribe,
    advance: (ms: number) => (clock += ms),
  };
}

const paths = (backend: FakeBackend) => backend.sent.map((request) => request.path);
const tokenOf = (authorization: string | null) => authorization?.replace(/^DPoP /, "") ?? "";

describe("GraphQL over fetch with a bound token", () => {
  test("the token is asked for with a proof, comes bound to this browser's key, and each request carries it as DPoP with its own proof", async () => {
    const { backend, thumbprint, listTasks } = await setUp();
    const first = await listTasks();
    const second = await listTasks();

    expect(first.error).toBeUndefined();
    expect(second.data?.tasks.totalCount).toBe(1);
    expect(paths(backend)).toEqual(["/api/auth/token", "/graphql", "/graphql"]);
    const [tokenRequest] = backend.requests("/api/auth/token");
    expect(tokenRequest!.authorization).toBeNull();
    expect((await readProof(tokenRequest!.dpop!)).claims).toMatchObject({ htm: "GET", htu: "http://localhost:5173/api/auth/token" });

    const requests = backend.requests("/graphql");
    const token = tokenOf(requests[0]!.authorization);
    expect(requests.map((request) => request.authorization)).toEqual([`DPoP ${token}`, `DPoP ${token}`]);
    expect(backend.boundTo(token)).toBe(thumbprint);
    const proofs = await Promise.all(requests.map((request) => readProof(request.dpop!)));
    for (const proof of proofs) {
      expect(proof.claims).toMatchObject({ htm: "POST", htu: "http://localhost:5173/graphql", ath: await sha256(token) });
      expect(proof.thumbprint).toBe(thumbprint);
    }
    expect(proofs[1]!.claims.jti).not.toBe(proofs[0]!.claims.jti);
    expect(requests.map((request) => request.credentials)).toEqual(["omit", "omit"]);
  });

  test("renewal before expiry asks with a fresh proof by the same key, and the next request carries the new token with a proof for it", async () => {
    const { backend, keyFor, thumbprint, listTasks, advance } = await setUp({ tokenLifetimeSeconds: 15 * 60 });
    await listTasks();
    advance(14 * 60_000 + 1_000);
    const result = await listTasks();

    expect(result.error).toBeUndefined();
    expect(paths(backend)).toEqual(["/api/auth/token", "/graphql", "/api/auth/token", "/graphql"]);
    expect(keyFor).toHaveBeenCalledTimes(2); // asked again each time: a key replaced in another tab is seen
    const [oldRequest, newRequest] = backend.requests("/graphql");
    const newToken = tokenOf(newRequest!.authorization);
    expect(newToken).not.toBe(tokenOf(oldRequest!.authorization));
    expect(backend.boundTo(newToken)).toBe(thumbprint);
    expect((await readProof(newRequest!.dpop!)).claims.ath).toBe(await sha256(newToken));
  });

  test("a 401 for the proof (invalid_dpop_proof) gets one new token and one retry with a new proof", async () => {
    const { backend, listTasks, onSessionEnded } = await setUp();
    await listTasks();
    backend.refuseProofs(1);
    const result = await listTasks();

    expect(result.error).toBeUndefined();
    expect(result.data?.tasks.totalCount).toBe(1);
    expect(paths(backend)).toEqual(["/api/auth/token", "/graphql", "/graphql", "/api/auth/token", "/graphql"]);
    const [, refused, retried] = backend.requests("/graphql");
    expect(retried!.authorization).not.toBe(refused!.authorization);
    expect((await readProof(retried!.dpop!)).claims.jti).not.toBe((await readProof(refused!.dpop!)).claims.jti);
    expect(onSessionEnded).not.toHaveBeenCalled();
  });

  test("refused for the proof again after the retry: no second retry, the 401 reaches the caller", async () => {
    const { backend, listTasks } = await setUp();
    await listTasks();
    backend.refuseProofs(2);
    const result = await listTasks();

    expect(result.error?.response?.status).toBe(401);
    expect(result.error?.graphQLErrors[0]?.extensions?.code).toBe("INVALID_DPOP_PROOF");
    expect(backend.requests("/graphql")).toHaveLength(3);
    expect(backend.requests("/api/auth/token")).toHaveLength(2);
  });
});

describe("the live stream with a bound token", () => {
  test("its request carries the token as DPoP with a proof for POST /graphql, and events arrive", async () => {
    const { backend, user, thumbprint, liveStatus, events, subscribe } = await setUp();
    subscribe();
    await expect.poll(() => liveStatus.state).toBe("live");

    const [stream] = backend.requests("/graphql").filter((request) => request.stream);
    const token = tokenOf(stream!.authorization);
    expect(stream!.authorization).toBe(`DPoP ${token}`);
    const proof = await readProof(stream!.dpop!);
    expect(proof.claims).toMatchObject({ htm: "POST", htu: "http://localhost:5173/graphql", ath: await sha256(token) });
    expect(proof.thumbprint).toBe(thumbprint);

    backend.createElsewhere(user, "Added on the phone");
    await expect.poll(() => events.map((event) => event.task?.title)).toEqual(["Added on the phone"]);
  });

  test("a 401 for the stream's proof renews once and reconnects at once with a new proof", async () => {
    const { backend, liveStatus, subscribe, tokens } = await setUp();
    await tokens.renew();
    backend.refuseProofs(1);
    subscribe();
    await expect.poll(() => liveStatus.state).toBe("live");

    const [refused, accepted] = backend.requests("/graphql").filter((request) => request.stream);
    expect(backend.requests("/graphql").filter((request) => request.stream)).toHaveLength(2);
    expect(accepted!.authorization).not.toBe(refused!.authorization);
    expect((await readProof(accepted!.dpop!)).claims.jti).not.toBe((await readProof(refused!.dpop!)).claims.jti);
    expect(backend.requests("/api/auth/token")).toHaveLength(2);
  });
});
