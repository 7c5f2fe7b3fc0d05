// The API's other two ways of getting keys: a static JWKS from the environment (no network at all),
// and the opt-in shared secret (HS256 both ways, nothing else accepted).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SignJWT } from "jose";
import { startTestSystem, type TestSystem } from "./support/test-system.ts";

describe("static JWKS", () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(() => system.close());

  test("tokens verify against a JWKS given as configuration, with no request to the auth service", async () => {
    const user = await system.signUp();
    const jwks = await (await system.authFetch("/api/auth/jwks")).text();
    const api = system.apiWith({ keys: { kind: "static-jwks", jwks } });
    const fetchSpy = globalThis.fetch;
    let fetches = 0;
    globalThis.fetch = ((...args: Parameters<typeof fetch>) => {
      fetches += 1;
      return fetchSpy(...args);
    }) as typeof fetch;
    try {
      const response = await system.graphql("{ me { id } }", { token: user.token, api });
      expect(response.body).toEqual({ data: { me: { id: user.id } } });
    } finally {
      globalThis.fetch = fetchSpy;
    }
    expect(fetches).toBe(0);
  });

  test("a static JWKS without the signing key refuses the token", async () => {
    const user = await system.signUp();
    const api = system.apiWith({ keys: { kind: "static-jwks", jwks: JSON.stringify({ keys: [] }) } });
    const response = await system.graphql("{ me { id } }", { token: user.token, api });
    expect(response.status).toBe(401);
  });
});

describe("shared secret (HS256)", () => {
  const sharedSecret = "a-shared-secret-of-at-least-32-characters!";
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({ auth: { sharedSecret } });
  });
  afterAll(() => system.close());

  test("the auth service signs HS256 and the API verifies it with the same secret", async () => {
    const user = await system.signUp();
    const header = JSON.parse(Buffer.from(user.token.split(".")[0]!, "base64url").toString());
    expect(header).toEqual({ alg: "HS256", typ: "JWT" });
    const response = await system.graphql("{ me { id } }", { token: user.token });
    expect(response.body).toEqual({ data: { me: { id: user.id } } });
  });

  test("a token signed with another secret is refused", async () => {
    const user = await system.signUp();
    const forged = await new SignJWT({ role: "admin" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(user.id)
      .setIssuer(system.authConfig.issuer)
      .setAudience(system.authConfig.audience)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("another-secret-that-is-long-enough-too!!"));
    expect((await system.graphql("{ me { id } }", { token: forged })).status).toBe(401);
  });

  test("no other algorithm is accepted in this mode, not even a valid EdDSA token", async () => {
    const eddsa = await startTestSystem();
    try {
      const user = await eddsa.signUp();
      expect((await system.graphql("{ me { id } }", { token: user.token })).status).toBe(401);
    } finally {
      await eddsa.close();
    }
  });

  test("the auth service publishes no keys in this mode", async () => {
    expect((await system.authFetch("/api/auth/jwks")).status).toBe(404);
  });
});
