// The adversarial token suite (issue 4, part 1): every case that token-verification.test.ts does not
// already cover, sent through the real API app against the real auth service's keys (its signJWT, or
// the private key read from its jwks table) or keys an attacker generates. Nothing of jose or of the
// API is mocked. Every refusal asserts the exact status, the exact WWW-Authenticate challenge, the
// error code, that there is no `data` key and that the body holds no jose text, stack or echo of the
// token (expectInvalidToken / expectInvalidRequest in support/token-forgery.ts); each case also has a
// control that is accepted, so a refusal means what it says.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  SignJWT,
  base64url,
  decodeProtectedHeader,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from "jose";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createApiApp, type ApiApp } from "../src/api/app.ts";
import { KEYS_RETRY_AFTER_MS } from "../src/token-verification/token-verifier.ts";
import { rotateSigningKeys } from "../src/auth/signing-keys.ts";
import { captureLogs } from "./support/captured-logs.ts";
import { sendGraphQL, startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";
import {
  ME,
  b64json,
  decodePayload,
  expectInvalidRequest,
  expectInvalidToken,
  expectNoLeak,
  goodClaims,
  now,
  tokenForgery,
} from "./support/token-forgery.ts";

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

const { realSigningKey, signExactlyWithRealKey, signBytesWithRealKey, realJwks, expectAccepted, expectRefused } = tokenForgery(
  () => system,
);

// --- helpers -------------------------------------------------------------------------------------

/** The claims the API accepts, with iss and aud stated (for the exact signer, which adds nothing). */
function fullClaims(user: TestUser, overrides: JWTPayload = {}): JWTPayload {
  return { ...goodClaims(user), iss: system.apiConfig.issuer, aud: system.apiConfig.audience, ...overrides };
}

function withoutClaim(claims: JWTPayload, name: string): JWTPayload {
  const { [name]: _dropped, ...rest } = claims;
  return rest;
}

async function attackerEd25519(): Promise<{ privateKey: CryptoKey; publicJwk: JWK; kid: string }> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const kid = `attacker-${randomUUID()}`;
  return { privateKey, kid, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" } };
}

async function signWith(privateKey: CryptoKey, claims: JWTPayload, header: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(privateKey);
}

/** Sends tokens `concurrency` at a time; every one must be a clean 401. Returns the elapsed milliseconds. */
async function expectAllRefused(api: ApiApp, tokens: string[], concurrency = 50): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < tokens.length; i += concurrency) {
    const batch = tokens.slice(i, i + concurrency);
    const responses = await Promise.all(batch.map((token) => system.graphql(ME, { token, api })));
    for (const [index, response] of responses.entries()) expectInvalidToken(response, batch[index]);
  }
  return performance.now() - started;
}

/** `count` tokens signed by an attacker key, each with a random kid the API has never seen. */
async function randomKidTokens(user: TestUser, count: number, issuedAt: number): Promise<string[]> {
  const { privateKey } = await attackerEd25519();
  const claims = fullClaims(user, { iat: issuedAt, exp: now() + 5 * 60 });
  return Promise.all(Array.from({ length: count }, () => signWith(privateKey, claims, { alg: "EdDSA", kid: `random-${randomUUID()}` })));
}

/**
 * A fresh API app (same config, own key set) that keeps its server-side log, so a test can check WHY a
 * token was refused: the reason goes to the log only, never to the client.
 */
function apiWithReasons() {
  const { logger, lines: log } = captureLogs();
  const api = createApiApp({ db: system.pool, config: system.apiConfig, logger });
  return {
    api,
    /** Sends the token, expects a clean 401, and returns the one logged rejection reason. */
    async refusalReason(token: string): Promise<string> {
      log.length = 0;
      expectInvalidToken(await system.graphql(ME, { token, api }), token);
      const rejections = log.filter((line) => line.msg === "token rejected");
      expect(rejections).toHaveLength(1);
      expect(rejections[0]!.requestId).toEqual(expect.any(String));
      return String(rejections[0]!.reason);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

// --- the Authorization header --------------------------------------------------------------------

test("no Authorization header: anonymous, me is null, a protected field answers UNAUTHENTICATED, no challenge, no data", async () => {
  const me = await system.graphql(ME);
  expect(me.status).toBe(200);
  expect(me.headers.get("www-authenticate")).toBeNull();
  expect(me.body).toEqual({ data: { me: null } });

  const tasks = await system.graphql("{ tasks(first: 5) { totalCount edges { node { id title } } } }");
  // A field error, not a transport error: RFC 6750 gives no error code to a request without credentials.
  expect(tasks.status).toBe(200);
  expect(tasks.headers.get("www-authenticate")).toBeNull();
  expect(tasks.body).toEqual({
    data: null,
    errors: [
      { message: "You must be signed in.", path: ["tasks"], locations: [{ line: 1, column: 3 }], extensions: { code: "UNAUTHENTICATED" } },
    ],
  });
  expectNoLeak(tasks);
});

test("two Authorization headers (each a valid token) are answered 400 invalid_request", async () => {
  const user = await system.signUp();
  const headers = new Headers({ "content-type": "application/json" });
  headers.append("authorization", `Bearer ${user.token}`);
  headers.append("authorization", `Bearer ${user.token}`);
  // Fetch joins repeated headers with ", ": that is not one token68, so it never reaches the verifier.
  expect(headers.get("authorization")).toBe(`Bearer ${user.token}, Bearer ${user.token}`);
  const response = await sendGraphQL(system.api, "http://api.test/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query: ME }),
  });
  expectInvalidRequest(response, user.token);
});

test("a token in the query string is refused with 400 on GET too, and even next to a valid Authorization header", async () => {
  const user = await system.signUp();
  const get = await sendGraphQL(system.api, `http://api.test/graphql?query=${encodeURIComponent(ME)}&access_token=${user.token}`, {
    method: "GET",
  });
  expectInvalidRequest(get, user.token);

  const both = await sendGraphQL(system.api, `http://api.test/graphql?access_token=${user.token}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
    body: JSON.stringify({ query: ME }),
  });
  expectInvalidRequest(both, user.token);
});

// --- algorithms and header parameters --------------------------------------------------------------

test("alg/key-type mismatches are refused with 401: ES256 or Ed25519 under the real kid, a P-256 signature labelled EdDSA", async () => {
  const user = await system.signUp();
  const claims = fullClaims(user);
  const { kid: realKid } = await realSigningKey();
  const { api, refusalReason } = apiWithReasons();
  await expectAccepted(await signExactlyWithRealKey(claims), user, api); // control: the real key, alg EdDSA

  // The real key and kid, with the fully-specified "Ed25519" alg: a valid signature, but the API's
  // allow-list is exactly ["EdDSA"], and nothing outside it passes.
  expect(await refusalReason(await signExactlyWithRealKey(claims, { alg: "Ed25519" }))).toMatch(/"alg".*not allowed/);

  const p256 = await generateKeyPair("ES256");
  // ES256 with the real (OKP) kid: the alg is not allowed, and no EC key is published.
  expect(await refusalReason(await signWith(p256.privateKey, claims, { alg: "ES256", kid: realKid }))).toMatch(/"alg".*not allowed/);
  // alg EdDSA, real kid, but a 64-byte ECDSA P-256 signature (the same length as an Ed25519 one).
  const signingInput = `${b64json({ alg: "EdDSA", kid: realKid })}.${b64json(claims)}`;
  const ecdsa = new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, p256.privateKey, new TextEncoder().encode(signingInput)),
  );
  expect(ecdsa.length).toBe(64);
  expect(await refusalReason(`${signingInput}.${base64url.encode(ecdsa)}`)).toMatch(/signature verification failed/);
  // ES256 with its own P-256 public key embedded as a jwk header.
  const p256Jwk = await exportJWK(p256.publicKey);
  expect(await refusalReason(await signWith(p256.privateKey, claims, { alg: "ES256", jwk: p256Jwk }))).toMatch(/"alg".*not allowed/);
});

test("a crit header naming an unknown extension is refused with 401, even signed by the real key", async () => {
  const user = await system.signUp();
  const claims = fullClaims(user);
  const { api, refusalReason } = apiWithReasons();
  await expectAccepted(await signExactlyWithRealKey(claims), user, api); // control
  // RFC 7515 4.1.11: a recipient that does not understand a critical extension must refuse the JWS.
  const unknown = await signExactlyWithRealKey(claims, { crit: ["urn:example:unknown"], "urn:example:unknown": true });
  expect(await refusalReason(unknown)).toMatch(/Extension Header Parameter "urn:example:unknown" is not recognized/);
  expect(await refusalReason(await signExactlyWithRealKey(claims, { crit: ["exp"] }))).toMatch(/Extension Header Parameter/);
  expect(await refusalReason(await signExactlyWithRealKey(claims, { crit: [] }))).toMatch(/"crit"/);
});

test("a real signature over a payload that is not a JSON claims set is refused with 401", async () => {
  const user = await system.signUp();
  const json = JSON.stringify(fullClaims(user));
  await expectAccepted(await signBytesWithRealKey(json), user); // control: the same signer, a JSON object
  for (const payload of ["not json", json.slice(0, -1), `[${json}]`, "null", '"a string"', "42", "", "\u0000\u00ff"]) {
    await expectRefused(await signBytesWithRealKey(payload));
  }
  // Claims that are JSON but of the wrong types.
  for (const overrides of [{ exp: "9999999999" }, { sub: 123 }, { sub: "" }, { iat: "now" }, { nbf: "later" }] as JWTPayload[]) {
    await expectRefused(await signExactlyWithRealKey(fullClaims(user, overrides)));
  }
});

// --- kid -----------------------------------------------------------------------------------------

test("injection-style, non-string and oversized kids are refused with 401, echoed nowhere, and fetch nothing", async () => {
  const user = await system.signUp();
  const api = system.apiWith({});
  await expectAccepted(user.token, user, api); // warms this API's key set: one fetch
  const before = system.jwksRequests;
  const attacker = await attackerEd25519();
  // Issued a minute ago: older than the cached key set, so no kid here may justify an early re-fetch.
  const claims = fullClaims(user, { iat: now() - 60 });

  const injections = [
    "' OR 1=1 --",
    "'; DROP TABLE jwks; --",
    "../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    '{"$ne":null}',
    "${jndi:ldap://127.0.0.1/a}",
    "<script>alert(1)</script>",
    "kid\u0000null",
    "http://127.0.0.1:1/jwks",
    "x".repeat(5 * 1024), // 5 KB: under the API's 8 KB token limit, so it reaches the key set lookup
  ];
  for (const kid of injections) {
    for (const token of [
      await signWith(attacker.privateKey, claims, { alg: "EdDSA", kid }),
      await signExactlyWithRealKey(claims, { kid }), // a real signature: only the kid is wrong
    ]) {
      expectInvalidToken(await system.graphql(ME, { token, api }), token, kid);
    }
  }
  // kid values that are not strings at all.
  for (const kid of [{ $ne: null }, ["a", "b"], 42, true, null]) {
    const token = await signExactlyWithRealKey(claims, { kid });
    expectInvalidToken(await system.graphql(ME, { token, api }), token);
  }
  // A 10 KB kid: the token is over the 8 KB limit in api/context.ts, refused before any parsing.
  const bigKid = "k".repeat(10 * 1024);
  const big = await signExactlyWithRealKey(claims, { kid: bigKid });
  expect(big.length).toBeGreaterThan(10 * 1024);
  expectInvalidToken(await system.graphql(ME, { token: big, api }), big, bigKid);

  expect(system.jwksRequests - before).toBe(0);
  // The key set is intact: the real token still verifies, without another fetch; the jwks table is untouched.
  await expectAccepted(user.token, user, api);
  expect(system.jwksRequests - before).toBe(0);
  expect(await system.db.jwks.count()).toBe(1);
});

test("a token that names no key is refused with 401 even when the key set holds just the key that signed it", async () => {
  const user = await system.signUp();
  const { api, refusalReason } = apiWithReasons();
  await expectAccepted(user.token, user, api);
  expect(await system.db.jwks.count()).toBe(1); // one key: without a kid, jose would take it
  const claims = fullClaims(user);
  await expectAccepted(await signExactlyWithRealKey(claims), user, api); // control: the same key, naming itself
  for (const kid of [undefined, ""]) {
    const token = await signExactlyWithRealKey(claims, { kid });
    expect(await refusalReason(token)).toMatch(/names no key/);
    expectInvalidToken(await system.graphql(ME, { token }), token); // the long-lived app too
  }
});

// --- headers that point elsewhere ----------------------------------------------------------------

test("jku, x5u, jwk and x5c headers are never followed: the attacker's server gets zero requests, every token 401", async () => {
  const user = await system.signUp();
  const attacker = await attackerEd25519();
  const { kid: realKid } = await realSigningKey();
  // The attacker's JWKS publishes its key under its own kid and under the real kid.
  const attackerJwks = JSON.stringify({ keys: [attacker.publicJwk, { ...attacker.publicJwk, kid: realKid }] });
  const received: string[] = [];
  const server = createServer((request, response) => {
    received.push(`${request.method} ${request.url}`);
    response.writeHead(200, { "content-type": "application/json" }).end(attackerJwks);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const api = system.apiWith({});
    await expectAccepted(user.token, user, api); // warm: the only key fetch, from the configured URL
    const before = system.jwksRequests;
    const claims = fullClaims(user, { iat: now() - 60 });
    const spki = (await exportSPKI((await generateKeyPair("EdDSA", { extractable: true })).publicKey)).replace(/-----[A-Z ]+-----|\s/g, "");
    const headers: Record<string, unknown>[] = [
      { alg: "EdDSA", kid: attacker.kid, jku: `${base}/jwks.json` },
      { alg: "EdDSA", kid: realKid, jku: `${base}/jwks.json` },
      { alg: "EdDSA", kid: attacker.kid, x5u: `${base}/cert.pem` },
      { alg: "EdDSA", kid: realKid, x5u: `${base}/cert.pem` },
      { alg: "EdDSA", kid: realKid, jku: `${base}/jwks.json`, x5u: `${base}/cert.pem` },
      { alg: "EdDSA", jwk: attacker.publicJwk },
      { alg: "EdDSA", kid: attacker.kid, jwk: attacker.publicJwk },
      { alg: "EdDSA", kid: realKid, jwk: { ...attacker.publicJwk, kid: realKid } },
      // x5c carries a certificate chain; here the base64 DER of a key, as no verifier may read it anyway.
      { alg: "EdDSA", x5c: [spki] },
      { alg: "EdDSA", kid: realKid, x5c: [spki] },
      { alg: "EdDSA", kid: attacker.kid, x5c: [spki], x5u: `${base}/cert.pem`, jku: `${base}/jwks.json` },
    ];
    for (const header of headers) {
      const token = await signWith(attacker.privateKey, claims, header);
      expectInvalidToken(await system.graphql(ME, { token, api }), token, base);
    }
    await sleep(300); // room for any stray asynchronous request to arrive
    expect(received).toEqual([]);
    expect(system.jwksRequests - before).toBe(0);

    // The attacker's server really answers (so "zero requests" above means something).
    expect(((await (await fetch(`${base}/jwks.json`)).json()) as { keys: unknown[] }).keys).toHaveLength(2);
    expect(received).toEqual(["GET /jwks.json"]);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

// --- a flood of unknown kids ---------------------------------------------------------------------
// key-set.ts: jose's remote set fetches when it has no keys, and again for an unknown kid only once its
// 30 s cooldown has passed. On top, the API allows ONE early re-fetch for an unknown kid on a token whose
// unverified iat is not older than the last fetch (a key may just have been rotated in), at most once per
// KEYS_RETRY_AFTER_MS (5 s). Each flood below runs well inside the 30 s cooldown; the fresh one must
// also finish inside 5 s for its exact count (asserted, so a slow run fails loudly rather than lies).

test("1,000 random kids with an old iat on a cold API: all 401, and exactly one JWKS fetch (the cold start)", async () => {
  const user = await system.signUp();
  const api = system.apiWith({});
  const tokens = await randomKidTokens(user, 1_000, now() - 120);
  expect(new Set(tokens.map((token) => decodeProtectedHeader(token).kid)).size).toBe(1_000);
  const before = system.jwksRequests;
  const elapsed = await expectAllRefused(api, tokens);
  expect(elapsed).toBeLessThan(30_000);
  // The first token found no key set and fetched it; the other 999 found the kid unknown inside the
  // cooldown and, being older than that fetch, no reason for an early re-fetch.
  expect(system.jwksRequests - before).toBe(1);
  // The flood did not poison the cache: a real token verifies without a fetch.
  await expectAccepted(user.token, user, api);
  expect(system.jwksRequests - before).toBe(1);
});

test("1,000 random kids issued just now: all 401, and exactly one early re-fetch", async () => {
  const user = await system.signUp();
  const api = system.apiWith({});
  await expectAccepted(user.token, user, api); // warm: one fetch
  const warmed = system.jwksRequests;
  // Issued now: not older than the warm fetch, so the first unknown kid may be a key rotated in since.
  const issuedAt = now();
  const tokens = await randomKidTokens(user, 1_000, issuedAt);
  // Start in a later second than iat: after the early re-fetch these tokens are older than the key set,
  // so the count below is exact however long the flood takes (inside the 30 s cooldown).
  while (now() <= issuedAt) await sleep(50);
  const elapsed = await expectAllRefused(api, tokens);
  expect(elapsed).toBeLessThan(30_000);
  expect(system.jwksRequests - warmed).toBe(1);
  await expectAccepted(user.token, user, api);
  expect(system.jwksRequests - warmed).toBe(1);
});

test("random kids with an iat in the future (the attacker's choice) buy at most one fetch per 5 s retry interval", async () => {
  const user = await system.signUp();
  const api = system.apiWith({});
  await expectAccepted(user.token, user, api); // warm: one fetch
  const warmed = system.jwksRequests;
  expect(KEYS_RETRY_AFTER_MS).toBe(5_000);

  // A future iat always looks newer than the last fetch, so only the retry interval bounds the fetches.
  const future = () => randomKidTokens(user, 200, now() + 3_600);
  const [wave1, wave2, oldWave, wave3] = [await future(), await future(), await randomKidTokens(user, 200, now() - 120), await future()];
  const firstBurst = Date.now(); // the early re-fetch happens on the first of these requests, not before
  await expectAllRefused(api, wave1);
  await expectAllRefused(api, wave2);
  expect(Date.now() - firstBurst).toBeLessThan(KEYS_RETRY_AFTER_MS); // else the count below could be 2
  expect(system.jwksRequests - warmed).toBe(1);

  // After the retry interval (still inside jose's 30 s cooldown): old-iat tokens still fetch nothing,
  // and future-iat tokens buy exactly one more fetch.
  await sleep(firstBurst + KEYS_RETRY_AFTER_MS + 200 - Date.now());
  await expectAllRefused(api, oldWave);
  expect(system.jwksRequests - warmed).toBe(1);
  const secondBurst = Date.now();
  await expectAllRefused(api, wave3);
  expect(Date.now() - secondBurst).toBeLessThan(KEYS_RETRY_AFTER_MS);
  expect(system.jwksRequests - warmed).toBe(2);

  await expectAccepted(user.token, user, api);
  expect(system.jwksRequests - warmed).toBe(2);
});

// --- time claims ---------------------------------------------------------------------------------

test("exp and nbf at the 30 s clock tolerance: 20 s past either way is accepted, 45 s is refused with 401", async () => {
  const user = await system.signUp();
  expect(system.apiConfig.clockToleranceSeconds).toBe(30);
  const t = now();
  await expectAccepted(await system.signWithAuthKeys(goodClaims(user, { iat: t - 15 * 60, exp: t - 20 })), user);
  await expectRefused(await system.signWithAuthKeys(goodClaims(user, { iat: t - 15 * 60, exp: t - 45 })));
  await expectAccepted(await system.signWithAuthKeys(goodClaims(user, { nbf: t + 20 })), user);
  await expectRefused(await system.signWithAuthKeys(goodClaims(user, { nbf: t + 45 })));
});

test("a token without exp, or without iat, signed by the real key, is refused with 401", async () => {
  const user = await system.signUp();
  const claims = fullClaims(user);
  await expectAccepted(await signExactlyWithRealKey(claims), user); // control
  const noExp = await signExactlyWithRealKey(withoutClaim(claims, "exp"));
  expect("exp" in decodePayload(noExp)).toBe(false);
  await expectRefused(noExp);
  await expectRefused(await signExactlyWithRealKey(withoutClaim(claims, "iat")));
  await expectRefused(await signExactlyWithRealKey(withoutClaim(withoutClaim(claims, "exp"), "iat")));
});

// --- issuer --------------------------------------------------------------------------------------

test("the issuer must match exactly: scheme, case, host, path, missing or array iss are refused with 401", async () => {
  const user = await system.signUp();
  const issuer = system.apiConfig.issuer;
  const url = new URL(issuer);
  expect(url.protocol).toBe("http:");
  await expectAccepted(await system.signWithAuthKeys(goodClaims(user, { iss: issuer })), user); // control
  for (const iss of [
    `https://${url.host}`, // scheme http -> https
    `${issuer}/`, // trailing slash
    issuer.toUpperCase(), // case change (HTTP://127.0.0.1:port)
    `http://localhost:${url.port}`, // same machine, other host name
    `http://127.0.0.2:${url.port}`, // other host
    `http://${url.hostname}:${Number(url.port) + 1}`, // other port
    `${issuer}/api/auth`, // a path
    ` ${issuer}`,
  ]) {
    await expectRefused(await system.signWithAuthKeys(goodClaims(user, { iss })));
  }
  await expectRefused(await signExactlyWithRealKey(withoutClaim(fullClaims(user), "iss")));
  await expectRefused(await signExactlyWithRealKey(fullClaims(user, { iss: "" })));
  await expectRefused(await signExactlyWithRealKey(fullClaims(user, { iss: [issuer] as unknown as string })));
});

// --- audience ------------------------------------------------------------------------------------

test("the audience: other values, case, arrays of other audiences and non-strings are refused with 401", async () => {
  const user = await system.signUp();
  await expectAccepted(await signExactlyWithRealKey(fullClaims(user, { aud: "tasks-api" })), user); // control
  for (const aud of [
    "TASKS-API",
    "tasks-api ",
    "tasks-api/",
    ["other-api"],
    ["other-api", system.authUrl],
    [system.authUrl],
    42,
    { aud: "tasks-api" },
    null,
  ] as unknown as JWTPayload["aud"][]) {
    await expectRefused(await signExactlyWithRealKey(fullClaims(user, { aud })));
  }
});

test("an aud array that contains tasks-api is accepted (decided: RFC 7519 4.1.3, as jose implements it)", async () => {
  // RFC 7519 4.1.3: aud may be an array, and the token must be refused only when the recipient does not
  // identify itself with one of its values. jose's jwtVerify implements exactly that, and we keep it:
  // such a token can only be minted by the trusted issuer with its private key (Better Auth's own tokens
  // carry the single string "tasks-api"), and by listing the API it states it is meant for the API. An
  // array holding only other audiences is refused (previous test). If a policy of "exactly one audience"
  // is ever wanted, it belongs in token-verifier.ts, and this test is where it would show.
  const user = await system.signUp();
  await expectAccepted(await signExactlyWithRealKey(fullClaims(user, { aud: ["tasks-api"] })), user);
  await expectAccepted(await signExactlyWithRealKey(fullClaims(user, { aud: ["other-api", "tasks-api"] })), user);
  await expectAccepted(await system.signWithAuthKeys(goodClaims(user, { aud: ["tasks-api", system.authUrl] })), user);
});

// --- tokens of another kind signed by the same keys ----------------------------------------------

test("tokens of another kind signed by the same keys are refused with 401 (logout, ID and session-cache tokens)", async () => {
  const user = await system.signUp();
  const t = now();
  const issuer = system.apiConfig.issuer;
  // An OIDC back-channel logout token (typ logout+jwt): addressed to a client, carrying the logout event.
  await expectRefused(
    await signExactlyWithRealKey(
      {
        iss: issuer,
        aud: "tasks-spa",
        sub: user.id,
        sid: randomUUID(),
        iat: t,
        exp: t + 120,
        jti: randomUUID(),
        events: { "http://schemas.openid.net/event/backchannel-logout": {} },
      },
      { typ: "logout+jwt" },
    ),
  );
  // An OIDC ID token for the SPA: the client id as audience, nonce and azp.
  await expectRefused(
    await signExactlyWithRealKey({
      iss: issuer,
      aud: "tasks-spa",
      azp: "tasks-spa",
      sub: user.id,
      nonce: "n-0S6_WzA2Mj",
      iat: t,
      exp: t + 300,
    }),
  );
  // Better Auth's session cookie-cache JWT shape (better-auth/cookies/jwt): its own typ, iss and aud.
  await expectRefused(
    await signExactlyWithRealKey(
      { iss: "better-auth:session-cache", aud: "better-auth:session-cache", sub: user.id, iat: t, exp: t + 300 },
      { typ: "better-auth.session-cache+jwt" },
    ),
  );
  // signJWT's defaults without the plugin's audience setting: the auth service's base URL as audience.
  await expectRefused(await system.signWithAuthKeys(goodClaims(user, { aud: system.authConfig.baseURL })));
});

test("explicit typing: a token that declares another kind (logout, session cache, event) is refused even for tasks-api", async () => {
  // RFC 8725 3.11. Only the auth service's key can make such a token; the API still never takes one
  // as an access token. Absent typ (Better Auth's tokens), "JWT" (HS256 mode) and "at+jwt" are accepted.
  const user = await system.signUp();
  const logout = await signExactlyWithRealKey(
    fullClaims(user, { jti: randomUUID(), events: { "http://schemas.openid.net/event/backchannel-logout": {} } }),
    { typ: "logout+jwt" },
  );
  expectInvalidToken(await system.graphql("{ me { id } }", { token: logout }), logout);
  for (const typ of ["better-auth.session-cache+jwt", "secevent+jwt", "id_token+jwt"]) {
    const token = await signExactlyWithRealKey(fullClaims(user), { typ });
    expectInvalidToken(await system.graphql("{ me { id } }", { token }), token);
  }
  for (const typ of ["JWT", "at+jwt"]) await expectAccepted(await signExactlyWithRealKey(fullClaims(user), { typ }), user);
  await expectAccepted(await signExactlyWithRealKey(fullClaims(user)), user);
});

// --- kid missing while two keys are published (rotates the keys: keep last) ----------------------

test("no kid while two keys are published (after a rotation) is refused with 401, never 500 or 503, and fetches nothing", async () => {
  const user = await system.signUp();
  const oldKid = decodeProtectedHeader(user.token).kid;
  expect(await rotateSigningKeys(system.db)).toBe(1);
  const after = await system.signUp(); // the plugin mints the new key for this token
  const newKid = decodeProtectedHeader(after.token).kid;
  expect(newKid).not.toBe(oldKid);
  expect((await realJwks()).keys.map((key) => key.kid).sort()).toEqual([oldKid, newKid].sort());

  const { api, refusalReason } = apiWithReasons(); // a cold API: it fetches both published keys
  await expectAccepted(after.token, after, api);
  await expectAccepted(user.token, user, api);
  const before = system.jwksRequests;
  const claims = fullClaims(after);
  expect((await realSigningKey()).kid).toBe(newKid);
  await expectAccepted(await signExactlyWithRealKey(claims), after, api); // control: the current key with its kid
  // The same key and claims without a kid: refused before any key is looked up (a token must name its
  // key); a bad token (401), not an outage (503) nor a crash (500).
  const stripped = await signExactlyWithRealKey(claims, { kid: undefined });
  expect(decodeProtectedHeader(stripped)).toEqual({ alg: "EdDSA" });
  expect(await refusalReason(stripped)).toMatch(/names no key/);
  expectInvalidToken(await system.graphql(ME, { token: stripped }), stripped); // the long-lived app too
  expect(system.jwksRequests - before).toBe(0);
});
