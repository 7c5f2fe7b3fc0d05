// Every way a bearer token can be wrong, sent through the real API against the real auth service's
// keys: each refusal must be a clean 401 invalid_token (or 400 invalid_request for a malformed header)
// with no data, no jose text, no stack and no echo of the token; the valid cases prove the suite can fail.
import { SignJWT, base64url, decodeProtectedHeader, generateKeyPair } from "jose";
import { afterAll, beforeAll, expect, test } from "vitest";
import { sendGraphQL, startTestSystem, type TestSystem } from "./support/test-system.ts";
import {
  ME,
  b64json,
  decodePayload,
  expectInvalidRequest,
  expectInvalidToken,
  forgeHeader,
  forgePayload,
  goodClaims,
  now,
  tokenForgery,
} from "./support/token-forgery.ts";

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

// --- small helpers (shared with adversarial-tokens.test.ts) ---------------------------------------

const { signExactlyWithRealKey, realJwks, expectAccepted, expectRefused } = tokenForgery(() => system);

// --- 1. controls ---------------------------------------------------------------------------------

test("a valid token from the auth service reads me", async () => {
  const user = await system.signUp();
  await expectAccepted(user.token, user);
});

test("a request without an Authorization header is anonymous: me is null with HTTP 200", async () => {
  const response = await system.graphql(ME);
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ data: { me: null } });
});

test("tokens made by the test signers with good claims are accepted, so their refusals below mean something", async () => {
  const user = await system.signUp();
  await expectAccepted(await system.signWithAuthKeys(goodClaims(user)), user);
  await expectAccepted(
    await signExactlyWithRealKey({ ...goodClaims(user), iss: system.apiConfig.issuer, aud: system.apiConfig.audience }),
    user,
  );
});

// --- 2-4. time claims ----------------------------------------------------------------------------

test("a token that expired 10 minutes ago is refused with 401", async () => {
  const user = await system.signUp();
  await expectRefused(await system.signWithAuthKeys(goodClaims(user, { iat: now() - 25 * 60, exp: now() - 10 * 60 })));
});

test("a token that expired 10 seconds ago is still accepted inside the 30 s clock tolerance", async () => {
  const user = await system.signUp();
  await expectAccepted(await system.signWithAuthKeys(goodClaims(user, { iat: now() - 15 * 60, exp: now() - 10 })), user);
});

test("a token that is not valid until 10 minutes from now is refused with 401", async () => {
  const user = await system.signUp();
  await expectRefused(await system.signWithAuthKeys(goodClaims(user, { nbf: now() + 10 * 60 })));
});

// --- 5-6. issuer and audience --------------------------------------------------------------------

test("a token from another issuer, or the right issuer with a trailing slash, is refused with 401", async () => {
  const user = await system.signUp();
  await expectRefused(await system.signWithAuthKeys(goodClaims(user, { iss: "https://evil.example" })));
  await expectRefused(await system.signWithAuthKeys(goodClaims(user, { iss: `${system.apiConfig.issuer}/` })));
});

test("a token for another audience, for the auth service's own base URL, or with no audience is refused with 401", async () => {
  const user = await system.signUp();
  await expectRefused(await system.signWithAuthKeys(goodClaims(user, { aud: "other-api" })));
  // Better Auth's default audience: another kind of token signed by the same keys must not pass.
  await expectRefused(await system.signWithAuthKeys(goodClaims(user, { aud: system.authUrl })));
  await expectRefused(await system.signWithAuthKeys(goodClaims(user, { aud: [] })));
  // No aud claim at all, with the real key (signJWT would add the default one).
  const noAud = await signExactlyWithRealKey({ ...goodClaims(user), iss: system.apiConfig.issuer });
  expect("aud" in decodePayload(noAud)).toBe(false);
  await expectRefused(noAud);
});

// --- 7-10. keys and algorithms -------------------------------------------------------------------

test("a token signed by an attacker's Ed25519 key is refused with 401, with the real kid or a random one", async () => {
  const user = await system.signUp();
  const realKid = decodeProtectedHeader(user.token).kid;
  expect(realKid).toBeTypeOf("string");
  const attacker = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  const claims = { ...decodePayload(user.token) };
  await expectRefused(await new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid: realKid }).sign(attacker.privateKey));
  await expectRefused(await new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid: crypto.randomUUID() }).sign(attacker.privateKey));
});

test("a real token re-labelled with an unknown kid is refused with 401", async () => {
  const user = await system.signUp();
  const header = decodeProtectedHeader(user.token);
  await expectRefused(forgeHeader(user.token, { ...header, kid: `${header.kid}-unknown` }));
});

test("an unsigned token with alg none is refused with 401", async () => {
  const user = await system.signUp();
  const payload = user.token.split(".")[1];
  await expectRefused(`${b64json({ alg: "none" })}.${payload}.`);
  await expectRefused(`${b64json({ alg: "none", typ: "JWT" })}.${payload}.`);
});

test("an HS256 token keyed with the public key (as JWK JSON or as raw x bytes) is refused with 401", async () => {
  const user = await system.signUp();
  const kid = decodeProtectedHeader(user.token).kid;
  const publicJwk = (await realJwks()).keys.find((key) => key.kid === kid);
  expect(publicJwk?.x).toBeTypeOf("string");
  const claims = decodePayload(user.token);
  // The classic algorithm confusion: the verifier's public key used as an HMAC secret.
  for (const secret of [new TextEncoder().encode(JSON.stringify(publicJwk)), base64url.decode(publicJwk!.x!)]) {
    await expectRefused(await new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid }).sign(secret));
  }
});

// --- 11-12. payload ------------------------------------------------------------------------------

test("a real token whose payload was changed to another user's sub is refused, and shows nothing of that user", async () => {
  const attacker = await system.signUp("Mallory");
  const victim = await system.signUp("Victim Name");
  const forged = forgePayload(attacker.token, { ...decodePayload(attacker.token), sub: victim.id });
  const response = await system.graphql("{ me { id name email } }", { token: forged });
  expectInvalidToken(response, forged);
  expect(response.text).not.toContain(victim.id);
  expect(response.text).not.toContain(victim.email);
  expect(response.text).not.toContain("Victim Name");
});

test("a properly signed token without sub, or with the role superuser, is refused with 401", async () => {
  const user = await system.signUp();
  const { sub: _sub, ...withoutSub } = goodClaims(user);
  await expectRefused(await system.signWithAuthKeys(withoutSub));
  await expectRefused(await system.signWithAuthKeys(goodClaims(user, { role: "superuser" })));
});

test("a properly signed token that names no session (no sid, an empty or a non-string sid) is refused with 401", async () => {
  const user = await system.signUp();
  const { sid: _sid, ...withoutSid } = goodClaims(user);
  await expectAccepted(await system.signWithAuthKeys(goodClaims(user)), user);
  await expectRefused(await system.signWithAuthKeys(withoutSid));
  await expectRefused(await system.signWithAuthKeys(goodClaims(user, { sid: "" })));
  await expectRefused(await system.signWithAuthKeys(goodClaims(user, { sid: 42 as unknown as string })));
});

test("a token is bounded by its age as well as its exp: issued 16 minutes ago with exp a day away, or issued in the future, is refused", async () => {
  const user = await system.signUp();
  // What a leaked key could mint: a far-away exp. The age bound is the lifetime (15 min) plus the tolerance.
  await expectAccepted(await system.signWithAuthKeys(goodClaims(user, { iat: now() - 15 * 60, exp: now() + 24 * 3600 })), user);
  await expectRefused(await system.signWithAuthKeys(goodClaims(user, { iat: now() - 16 * 60, exp: now() + 24 * 3600 })));
  await expectRefused(await system.signWithAuthKeys(goodClaims(user, { iat: now() + 10 * 60, exp: now() + 20 * 60 })));
});

test("the age bound holds for a token the API has already verified and cached: accepted near the bound, refused once past it", async () => {
  const user = await system.signUp();
  // 929 s old: the bound is 900 s plus the 30 s tolerance, so one more second is allowed, and exp is a day
  // away (a leaked key's token), so the cache would keep it for a day if only exp bounded it.
  const token = await system.signWithAuthKeys(goodClaims(user, { iat: now() - 929, exp: now() + 24 * 3600 }));
  await expectAccepted(token, user);
  await expectAccepted(token, user); // a verified-token cache hit
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await expectRefused(token);
});

// --- 13-15. junk and malformed headers -----------------------------------------------------------

test("garbage tokens are refused: 401 when they look like a token, 400 when the header itself is malformed", async () => {
  // These match api/context.ts's token68 pattern ([A-Za-z0-9-._~+/]+=*), so they reach the verifier: 401.
  for (const token of [
    "abc",
    "a.b.c",
    "....",
    "eyJhbGciOiJFZERTQSJ9.e30.",
    "SGVsbG8gd29ybGQ=",
    "////++++==",
    `${"x".repeat(40)}.${"y".repeat(40)}.${"z".repeat(86)}`,
  ]) {
    await expectRefused(token);
  }
  // These do not (a space, '=' before the end, '!', '"', a comma or a non-ASCII letter): invalid_request.
  for (const token of ["a=b.c", "!!!", 'ab"c', "a,b", "tökén"]) {
    expectInvalidRequest(await system.graphql(ME, { token }), token);
  }
});

test("a 64 KB token is refused with 401 quickly, never a 500", async () => {
  const token = "A".repeat(64 * 1024);
  const started = performance.now();
  const response = await system.graphql(ME, { token });
  const elapsed = performance.now() - started;
  // Over the 8 KB limit in api/context.ts: refused as invalid_token before any parsing.
  expectInvalidToken(response, token);
  expect(elapsed).toBeLessThan(1_000);
});

test("malformed Authorization headers (Bearer alone, two tokens, Basic) are answered 400 invalid_request", async () => {
  const user = await system.signUp();
  for (const authorization of ["Bearer", "Bearer ", `Bearer ${user.token} ${user.token}`, "Basic dXNlcjpwYXNz"]) {
    expectInvalidRequest(await system.graphql(ME, { headers: { authorization } }), user.token);
  }
});

test("a token in the URL query (access_token) is answered 400 invalid_request with no data", async () => {
  const user = await system.signUp();
  const response = await sendGraphQL(system.api, `http://api.test/graphql?access_token=${user.token}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: ME }),
  });
  expectInvalidRequest(response, user.token);
});

// --- 16. refused tokens never reach the resolvers ------------------------------------------------

test("a createTask sent with a tampered token creates nothing: the victim's task list is unchanged", async () => {
  const victim = await system.signUp("Victim");
  const attacker = await system.signUp("Attacker");
  const create = await system.graphql('mutation { createTask(input: { title: "mine" }) { id } }', { token: victim.token });
  expect(create.status).toBe(200);
  expect(create.body.errors).toBeUndefined();

  const forged = forgePayload(attacker.token, { ...decodePayload(attacker.token), sub: victim.id });
  expectInvalidToken(await system.graphql('mutation { createTask(input: { title: "x" }) { id } }', { token: forged }), forged);

  const list = "{ tasks { totalCount edges { node { title } } } }";
  expect((await system.graphql(list, { token: victim.token })).body).toEqual({
    data: { tasks: { totalCount: 1, edges: [{ node: { title: "mine" } }] } },
  });
  // Nor did it land with the token's real signer.
  expect((await system.graphql(list, { token: attacker.token })).body).toEqual({ data: { tasks: { totalCount: 0, edges: [] } } });
});
