// JWKS faults with the auth service really stopped and started, or a real HTTP server answering badly
// in its place (no mock of jose). Unavailable keys are a 503 with AUTH_UNAVAILABLE and Retry-After,
// within the fetch timeout, never a 401 and never a hang; cached keys carry valid tokens through an
// outage for a bounded time; the API recovers by itself when the auth service comes back.
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { KeySourceConfig } from "../src/config.ts";
import { freePort } from "../src/net/free-port.ts";
import { decodePayload } from "./support/token-forgery.ts";
import { startTestSystem, type GraphQLResponse, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
let user: TestUser;

beforeAll(async () => {
  system = await startTestSystem();
  user = await system.signUp();
});
afterAll(() => system.close());

const ME = "{ me { id } }";
const remoteKeys = (overrides: Partial<Extract<KeySourceConfig, { kind: "remote-jwks" }>> = {}): KeySourceConfig => ({
  kind: "remote-jwks",
  url: `${system.authUrl}/api/auth/jwks`,
  timeoutMs: 500,
  cooldownMs: 30_000,
  cacheMaxAgeMs: 600_000,
  staleMaxAgeMs: 3_600_000,
  retryAfterMs: 200,
  ...overrides,
});

function expectAuthUnavailable(response: GraphQLResponse) {
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
  expect(response.body.errors?.[0]?.extensions?.code).toBe("AUTH_UNAVAILABLE");
  expect("data" in response.body).toBe(false);
  expect(response.text).not.toMatch(/JWKS|ECONNREFUSED|fetch failed| {4}at /);
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

/** A real HTTP server standing where the JWKS should be, answering with `respond`. */
async function badJwksServer(respond: (response: import("node:http").ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const port = await freePort();
  const server = createServer((_request, response) => respond(response));
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${port}/api/auth/jwks`, server };
}

describe("JWKS unreachable at cold start", () => {
  test("the auth service down: 503 within the fetch timeout, then recovery without a restart", async () => {
    await system.stopAuth();
    const api = system.apiWith({ keys: remoteKeys() });
    try {
      const [response, elapsed] = await timed(() => system.graphql(ME, { token: user.token, api }));
      expectAuthUnavailable(response);
      expect(elapsed).toBeLessThan(500 + 1_000);
    } finally {
      await system.startAuth();
    }
    await new Promise((resolve) => setTimeout(resolve, 250)); // past retryAfterMs
    expect((await system.graphql(ME, { token: user.token, api })).body).toEqual({ data: { me: { id: user.id } } });
  });

  test("a JWKS answering with a redirect (302) to a live server with an attacker's key set: 503, and the redirect is not followed", async () => {
    const { publicKey, privateKey } = await generateKeyPair("EdDSA");
    const attackerKeys = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "attacker", alg: "EdDSA", use: "sig" }] });
    let attackerRequests = 0;
    const attacker = await badJwksServer((response) => {
      attackerRequests += 1;
      response.writeHead(200, { "content-type": "application/json" }).end(attackerKeys);
    });
    const redirecting = await badJwksServer((response) => response.writeHead(302, { location: attacker.url }).end());
    // Exactly the claims of the user's real token, signed with the attacker's key.
    const forged = await new SignJWT(decodePayload(user.token)).setProtectedHeader({ alg: "EdDSA", kid: "attacker" }).sign(privateKey);
    try {
      // The attacker's key set verifies the forged token: an API that fetched it would let it in.
      const fooled = system.apiWith({ keys: remoteKeys({ url: attacker.url }) });
      expect((await system.graphql(ME, { token: forged, api: fooled })).body).toEqual({ data: { me: { id: user.id } } });
      attackerRequests = 0;

      const api = system.apiWith({ keys: remoteKeys({ url: redirecting.url }) });
      expectAuthUnavailable(await system.graphql(ME, { token: forged, api }));
      expect(attackerRequests).toBe(0);
    } finally {
      for (const { server } of [attacker, redirecting]) {
        server.closeAllConnections();
        server.close();
      }
    }
  });

  test.each([
    ["a server error (500)", (response: import("node:http").ServerResponse) => response.writeHead(500).end("boom")],
    [
      "an HTML page",
      (response: import("node:http").ServerResponse) => response.writeHead(200, { "content-type": "text/html" }).end("<html>login</html>"),
    ],
    [
      "JSON that is not a key set",
      (response: import("node:http").ServerResponse) =>
        response.writeHead(200, { "content-type": "application/json" }).end('{"keys":"nope"}'),
    ],
  ])("a JWKS answering with %s: 503, never 401", async (_name, respond) => {
    const bad = await badJwksServer(respond);
    try {
      const api = system.apiWith({ keys: remoteKeys({ url: bad.url }) });
      expectAuthUnavailable(await system.graphql(ME, { token: user.token, api }));
    } finally {
      bad.server.closeAllConnections();
      bad.server.close();
    }
  });

  test("a JWKS that never answers: 503 when the fetch timeout ends, not a hang", async () => {
    const silent = await badJwksServer(() => {});
    try {
      const api = system.apiWith({ keys: remoteKeys({ url: silent.url, timeoutMs: 400 }) });
      const [response, elapsed] = await timed(() => system.graphql(ME, { token: user.token, api }));
      expectAuthUnavailable(response);
      expect(elapsed).toBeGreaterThanOrEqual(350);
      expect(elapsed).toBeLessThan(400 + 1_000);
      // Within the retry interval the next request does not wait for another timeout.
      const [again, quick] = await timed(() => system.graphql(ME, { token: user.token, api }));
      expectAuthUnavailable(again);
      expect(quick).toBeLessThan(200);
    } finally {
      silent.server.closeAllConnections();
      silent.server.close();
    }
  });
});

describe("JWKS down while keys are cached", () => {
  test("valid tokens keep working for the stale period, then 503, then recovery when the service returns", async () => {
    // Tokens issued before the outage that this API will not have seen, so none is in its verified-token
    // cache. (Signed in first: the stale period runs from the API's key fetch below.)
    const unseenBefore = [(await system.signIn(user.email)).token, (await system.signIn(user.email)).token];
    // cacheMaxAge 1 ms: every request tries to refresh, so the outage is felt at once.
    const api = system.apiWith({ keys: remoteKeys({ cacheMaxAgeMs: 1, staleMaxAgeMs: 1_500 }) });
    expect((await system.graphql(ME, { token: user.token, api })).body.data?.me?.id).toBe(user.id);
    await system.stopAuth();
    try {
      // The first needs the keys while the re-fetch fails, the second while the API waits to retry:
      // both are verified with the last keys fetched.
      for (const token of unseenBefore) {
        expect((await system.graphql(ME, { token, api })).body).toEqual({ data: { me: { id: user.id } } });
      }
      for (let i = 0; i < 5; i += 1) {
        const response = await system.graphql(ME, { token: user.token, api });
        expect(response.body).toEqual({ data: { me: { id: user.id } } });
      }
      // An invalid token is still a 401 during the outage, not a 503: the cached keys decide.
      const tampered = `${user.token.slice(0, -4)}AAAA`;
      expect((await system.graphql(ME, { token: tampered, api })).status).toBe(401);

      await new Promise((resolve) => setTimeout(resolve, 1_600)); // past the stale period
      // A token the API has not verified yet needs keys, and there are none fresh enough: 503.
      const unseen = await system.signWithAuthKeys({ sub: user.id, role: "user", iat: Math.floor(Date.now() / 1000) });
      expectAuthUnavailable(await system.graphql(ME, { token: unseen, api }));
      // A token verified before stays accepted until its own exp (the cache of verified tokens).
      expect((await system.graphql(ME, { token: user.token, api })).body).toEqual({ data: { me: { id: user.id } } });
    } finally {
      await system.startAuth();
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await system.graphql(ME, { token: user.token, api })).body).toEqual({ data: { me: { id: user.id } } });
  });
});
