// The API fetches the auth service's JWKS once and caches it: valid traffic costs no key fetches, and
// tokens with unknown kids cannot make it hammer the auth service (jose's cooldown between re-fetches).
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestSystem, type TestSystem } from "./support/test-system.ts";

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

test("the key set is fetched once for many verified requests", async () => {
  const api = system.apiWith({});
  const user = await system.signUp();
  const before = system.jwksRequests;
  for (let i = 0; i < 20; i += 1) {
    expect((await system.graphql("{ me { id } }", { token: user.token, api })).body.data?.me?.id).toBe(user.id);
  }
  expect(system.jwksRequests - before).toBe(1);
});

async function floodWithUnknownKids(api: ReturnType<TestSystem["apiWith"]>, userId: string, issuedAt: number, count: number) {
  const { privateKey } = await generateKeyPair("EdDSA");
  for (let i = 0; i < count; i += 1) {
    const token = await new SignJWT({ role: "user" })
      .setProtectedHeader({ alg: "EdDSA", kid: `random-${i}-${Math.random()}` })
      .setSubject(userId)
      .setIssuer(system.authConfig.issuer)
      .setAudience(system.authConfig.audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime("5m")
      .sign(privateKey);
    expect((await system.graphql("{ me { id } }", { token, api })).status).toBe(401);
  }
}

test("unknown kids on tokens older than the cached key set never cause a re-fetch inside the cooldown", async () => {
  const api = system.apiWith({});
  const user = await system.signUp();
  await system.graphql("{ me { id } }", { token: user.token, api }); // warm the cache
  const before = system.jwksRequests;
  await floodWithUnknownKids(api, user.id, Math.floor(Date.now() / 1000) - 120, 200);
  expect(system.jwksRequests - before).toBe(0);
});

test("unknown kids on fresh tokens (a key may just have been rotated in) cause exactly one early re-fetch", async () => {
  const api = system.apiWith({});
  const user = await system.signUp();
  await system.graphql("{ me { id } }", { token: user.token, api });
  const before = system.jwksRequests;
  await floodWithUnknownKids(api, user.id, Math.floor(Date.now() / 1000) + 1, 200);
  // One early re-fetch, then none for the rest of the retry interval (5 s) whatever the flood claims.
  expect(system.jwksRequests - before).toBe(1);
});

describe("the cache of verified tokens", () => {
  test("a verified token is answered from the cache until its exp and not a moment longer (no clock tolerance is added)", async () => {
    // The key set goes stale 1 ms after each fetch, so every verification with keys fetches the JWKS: a
    // request that fetches nothing was answered from the cache of verified tokens.
    const keys = system.apiConfig.keys;
    if (keys.kind !== "remote-jwks") throw new Error("the test system's API fetches the auth service's JWKS");
    const lenient = system.apiWith({ clockToleranceSeconds: 30, keys: { ...keys, cacheMaxAgeMs: 1 } });
    const strict = system.apiWith({ clockToleranceSeconds: 0, keys: { ...keys, cacheMaxAgeMs: 1 } });
    const user = await system.signUp();
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await system.signWithAuthKeys({
      sub: user.id,
      sid: user.sessionId,
      role: "user",
      iat: Math.floor(Date.now() / 1000),
      exp,
    });
    const askWho = async (api: ReturnType<TestSystem["apiWith"]>) => {
      const before = system.jwksRequests;
      const response = await system.graphql("{ me { id } }", { token, api });
      return { status: response.status, me: response.body.data?.me?.id ?? null, keyFetches: system.jwksRequests - before };
    };

    for (const api of [lenient, strict]) {
      expect(await askWho(api)).toEqual({ status: 200, me: user.id, keyFetches: 1 }); // verified with the keys
      expect(await askWho(api)).toEqual({ status: 200, me: user.id, keyFetches: 0 }); // from the cache
    }
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    // Past exp the cache answers no more: the token is verified again, and only jose's clock tolerance
    // decides. 30 s of it still accept the token; none refuses it.
    expect(await askWho(lenient)).toEqual({ status: 200, me: user.id, keyFetches: 1 });
    expect(await askWho(strict)).toEqual({ status: 401, me: null, keyFetches: 1 });
  });

  test("a refused token is refused every time: failures are not remembered as successes, and no data leaks", async () => {
    const api = system.apiWith({});
    const user = await system.signUp();
    const tampered = `${user.token.slice(0, -6)}AAAAAA`;
    for (let i = 0; i < 3; i += 1) expect((await system.graphql("{ me { id } }", { token: tampered, api })).status).toBe(401);
    expect((await system.graphql("{ me { id } }", { token: user.token, api })).body.data?.me?.id).toBe(user.id);
  });
});
