// Helpers shared by the token test files: forging tokens from real ones, signing exactly what a test
// needs with the auth service's real private key (read from its jwks table and decrypted as Better
// Auth does), and the RFC 6750 refusal assertions every adversarial case makes.
import { symmetricDecrypt } from "better-auth/crypto";
import { base64url, importJWK, type CryptoKey, type JWK, type JWTPayload } from "jose";
import { expect } from "vitest";
import type { ApiApp } from "../../src/api/app.ts";
import type { GraphQLResponse, TestSystem, TestUser } from "./test-system.ts";

export const ME = "{ me { id } }";

/** The exact challenges the API sends (src/graphql/errors.ts): a test fails if they change unnoticed. */
export const WWW_AUTHENTICATE_INVALID_TOKEN = 'Bearer error="invalid_token", error_description="The access token is invalid or expired"';
export const WWW_AUTHENTICATE_INVALID_REQUEST =
  'Bearer error="invalid_request", error_description="Send the token as: Authorization: Bearer <token>"';

/** Text that would betray jose's error messages, a claim name, a stack trace or an internal error. */
export const LEAKS = [
  "JWS",
  "JWT",
  "JWK",
  "JOSE",
  "jose",
  "signature",
  "claim",
  "exp claim",
  "alg",
  "kid",
  "crit",
  "Unsupported",
  "ERR_JO",
  "ERR_",
  "stack",
  "    at ",
  "Unexpected error",
];

export const now = () => Math.floor(Date.now() / 1000);

export function b64json(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

export function decodePayload(token: string): JWTPayload {
  return JSON.parse(new TextDecoder().decode(base64url.decode(token.split(".")[1]!))) as JWTPayload;
}

/** The same token with another protected header; payload and signature bytes kept as they were. */
export function forgeHeader(token: string, header: Record<string, unknown>): string {
  const [, payload, signature] = token.split(".");
  return `${b64json(header)}.${payload}.${signature}`;
}

/** The same token with another payload; header and signature bytes kept as they were. */
export function forgePayload(token: string, payload: JWTPayload): string {
  const [header, , signature] = token.split(".");
  return `${header}.${b64json(payload)}.${signature}`;
}

/** Claims the API accepts (sub, sid, role, iat, exp); iss and aud are added by Better Auth's signer. */
export function goodClaims(user: TestUser, overrides: JWTPayload = {}): JWTPayload {
  const t = now();
  // The user's real session, as the auth service names it in every token it issues.
  const { sid } = decodePayload(user.token);
  return { sub: user.id, sid, role: "user", iat: t, exp: t + 15 * 60, ...overrides };
}

/** Nothing of jose, no stack, no echo of the token (or of any other given secret) in body or headers. */
export function expectNoLeak(response: GraphQLResponse, token?: string, ...echoes: string[]): void {
  expect(response.status).not.toBe(500);
  for (const leak of LEAKS) expect(response.text).not.toContain(leak);
  for (const secret of [token, ...echoes]) {
    if (!secret) continue;
    expect(response.text).not.toContain(secret);
    // A request id is a random UUID: a short test token could occur in it by chance.
    for (const [name, value] of response.headers) if (name !== "x-request-id") expect(value).not.toContain(secret);
  }
}

/**
 * RFC 6750 invalid_token: 401, exactly the challenge header, INVALID_TOKEN with the generic message and
 * nothing else in the body (no data key, no other extension), nothing leaked.
 */
export function expectInvalidToken(response: GraphQLResponse, token?: string, ...echoes: string[]): void {
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toBe(WWW_AUTHENTICATE_INVALID_TOKEN);
  expect(response.body.errors?.[0]?.extensions?.code).toBe("INVALID_TOKEN");
  expect("data" in response.body).toBe(false);
  expect(response.body).toEqual({ errors: [{ message: "Invalid or expired token.", extensions: { code: "INVALID_TOKEN" } }] });
  expectNoLeak(response, token, ...echoes);
}

/** RFC 6750 invalid_request: 400, exactly the challenge header, INVALID_REQUEST, no data key, nothing leaked. */
export function expectInvalidRequest(response: GraphQLResponse, token?: string, ...echoes: string[]): void {
  expect(response.status).toBe(400);
  expect(response.headers.get("www-authenticate")).toBe(WWW_AUTHENTICATE_INVALID_REQUEST);
  expect(response.body.errors?.[0]?.extensions?.code).toBe("INVALID_REQUEST");
  expect("data" in response.body).toBe(false);
  expect(response.body).toEqual({
    errors: [{ message: "Malformed Authorization header: expected 'Bearer <token>'.", extensions: { code: "INVALID_REQUEST" } }],
  });
  expectNoLeak(response, token, ...echoes);
}

/** Helpers bound to a test file's system (created in its beforeAll, hence the getter). */
export function tokenForgery(getSystem: () => TestSystem) {
  /**
   * One of the auth service's signing keys (the newest when no kid is given): its kid and its private
   * key, read from the jwks table and decrypted with BETTER_AUTH_SECRET as Better Auth does.
   */
  async function realSigningKey(kid?: string): Promise<{ kid: string; privateKey: CryptoKey }> {
    const system = getSystem();
    const row = kid
      ? await system.db.jwks.findUniqueOrThrow({ where: { id: kid } })
      : await system.db.jwks.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
    const jwk = JSON.parse(await symmetricDecrypt({ key: system.authConfig.secret, data: JSON.parse(row.privateKey) as string })) as JWK;
    return { kid: row.id, privateKey: (await importJWK(jwk, "EdDSA")) as CryptoKey };
  }

  /** Signs exactly the given claims and header with the given private key (a header key set to undefined is dropped). */
  async function signExactlyWith(privateKey: CryptoKey, claims: JWTPayload, header: Record<string, unknown>): Promise<string> {
    const protectedHeader = Object.fromEntries(Object.entries(header).filter(([, value]) => value !== undefined));
    const signingInput = `${b64json(protectedHeader)}.${b64json(claims)}`;
    const signature = await crypto.subtle.sign("Ed25519", privateKey, new TextEncoder().encode(signingInput));
    return `${signingInput}.${base64url.encode(new Uint8Array(signature))}`;
  }

  /**
   * Signs exactly the given claims with the auth service's real private key. signJWT always adds an
   * aud and an exp and takes no header, so "no aud", "no exp" or a chosen header need this. The header
   * defaults to { alg: "EdDSA", kid: <real kid> }; `header` is merged over it (a key set to undefined is
   * dropped). The JWS is assembled by hand, so jose's signing-side checks (crit, claim types) do not
   * stop a test from sending what an attacker could.
   */
  async function signExactlyWithRealKey(claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
    return signBytesWithRealKey(JSON.stringify(claims), header);
  }

  /** Signs arbitrary payload text (not necessarily a JSON claims set) with the real key, as above. */
  async function signBytesWithRealKey(payload: string, header: Record<string, unknown> = {}): Promise<string> {
    const { kid, privateKey } = await realSigningKey();
    const protectedHeader = Object.fromEntries(Object.entries({ alg: "EdDSA", kid, ...header }).filter(([, value]) => value !== undefined));
    const signingInput = `${b64json(protectedHeader)}.${base64url.encode(payload)}`;
    const signature = await crypto.subtle.sign("Ed25519", privateKey, new TextEncoder().encode(signingInput));
    return `${signingInput}.${base64url.encode(new Uint8Array(signature))}`;
  }

  async function realJwks(): Promise<{ keys: JWK[] }> {
    const response = await getSystem().authFetch("/api/auth/jwks");
    expect(response.status).toBe(200);
    return (await response.json()) as { keys: JWK[] };
  }

  async function expectAccepted(token: string, user: TestUser, api?: ApiApp): Promise<void> {
    const response = await getSystem().graphql(ME, { token, api });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { me: { id: user.id } } });
  }

  async function expectRefused(token: string, ...echoes: string[]): Promise<void> {
    expectInvalidToken(await getSystem().graphql(ME, { token }), token, ...echoes);
  }

  return { realSigningKey, signExactlyWith, signExactlyWithRealKey, signBytesWithRealKey, realJwks, expectAccepted, expectRefused };
}
