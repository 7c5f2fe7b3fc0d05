// The API fetches the auth service's JWKS once and caches it: valid traffic costs no key fetches, and
// tokens with unknown kids cannot make it hammer the auth service (jose's cooldown between re-fetches).
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, expect, test } from "vitest";
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

test("a flood of tokens with unknown kids is refused without re-fetching the key set each time", async () => {
  const api = system.apiWith({});
  const user = await system.signUp();
  await system.graphql("{ me { id } }", { token: user.token, api }); // warm the cache
  const before = system.jwksRequests;
  const { privateKey } = await generateKeyPair("EdDSA");
  for (let i = 0; i < 50; i += 1) {
    const token = await new SignJWT({ role: "user" })
      .setProtectedHeader({ alg: "EdDSA", kid: `random-${i}-${Math.random()}` })
      .setSubject(user.id)
      .setIssuer(system.authConfig.issuer)
      .setAudience(system.authConfig.audience)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    expect((await system.graphql("{ me { id } }", { token, api })).status).toBe(401);
  }
  // Inside the 30 s cooldown after the warm-up fetch, no unknown kid may trigger another fetch.
  expect(system.jwksRequests - before).toBe(0);
});
