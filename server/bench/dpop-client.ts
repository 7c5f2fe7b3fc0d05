// The DPoP client side (RFC 9449) as the load tool plays it: a P-256 key per bench user, and a fresh proof per
// request made synchronously with node:crypto (autocannon's setupRequest hook cannot wait for a promise), the
// JWS put together by hand. Every proof is made whole, as a client makes it: header and claims serialised,
// `ath` hashed from the token, a random `jti`, one ES256 signature. Nothing here comes from the server's code:
// what it sends must pass the server's own check (src/token-verification/dpop-proof.ts), which the correctness
// gate and every measured answer confirm.
import { createHash, generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto";
import { calculateJwkThumbprint, type JWK } from "jose";

export interface DpopKey {
  privateKey: KeyObject;
  /** The public half, as every proof's header carries it. */
  publicJwk: JWK;
  /** RFC 7638 SHA-256 thumbprint of publicJwk: what a token bound to this key names as cnf.jkt. */
  jkt: string;
}

export interface ProofTarget {
  /** The request's method (htm). */
  method: string;
  /** The request's URL without query or fragment (htu). */
  url: string;
  /** The access token the request carries: the proof names its hash (ath). Absent at the token endpoint. */
  accessToken?: string;
}

export async function createDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const { kty, crv, x, y } = publicKey.export({ format: "jwk" });
  const publicJwk: JWK = { kty, crv, x, y };
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk, "sha256") };
}

/** One proof, never made before (random jti), for one request. Synchronous: callable inside autocannon. */
export function makeDpopProof(key: DpopKey, target: ProofTarget): string {
  const header = base64url(JSON.stringify({ typ: "dpop+jwt", alg: "ES256", jwk: key.publicJwk }));
  const claims: Record<string, string | number> = {
    jti: randomUUID(),
    htm: target.method,
    htu: target.url,
    iat: Math.floor(Date.now() / 1000),
  };
  if (target.accessToken !== undefined) claims.ath = createHash("sha256").update(target.accessToken).digest("base64url");
  const signingInput = `${header}.${base64url(JSON.stringify(claims))}`;
  // ES256's JWS signature is r || s (RFC 7518 3.4), not the DER node:crypto gives by default.
  const signature = sign("sha256", Buffer.from(signingInput), { key: key.privateKey, dsaEncoding: "ieee-p1363" });
  return `${signingInput}.${signature.toString("base64url")}`;
}

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}
