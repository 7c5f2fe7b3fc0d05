// A DPoP proof (RFC 9449 section 4): a JWT signed with this browser's key, made fresh for one request, that
// names the request (htm, htu) and, at the API, the token it goes with (ath). The services refuse one that is
// old (iat), seen before (jti) or made for another request, so a proof is never reused or made ahead.
//
// Signed here with WebCrypto rather than by `dpop`'s generateProof, which dates every proof by this computer's
// clock: a proof is dated on the services' clock (server-clock.ts), so a computer whose clock is off still works.
// The key pair is still `dpop`'s (dpop-key.ts); the proof is the same JWS its generateProof makes.
import type { KeyPair } from "dpop";
import { serverNow } from "./server-clock.ts";

/**
 * htu: the request's absolute URL without query and fragment (section 4.2), resolved against the page, so
 * "/graphql" is "<the page's origin>/graphql", the URL the browser actually asks for.
 */
export function proofTarget(url: string | URL): string {
  const target = new URL(url, globalThis.location?.href);
  target.search = "";
  target.hash = "";
  return target.href;
}

const encoder = new TextEncoder();

function base64url(bytes: ArrayBuffer | Uint8Array): string {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const encodePart = (value: object) => base64url(encoder.encode(JSON.stringify(value)));

/** The public key as the proof's header carries it (section 4.2: the public members only), made once per key. */
const publicJwks = new WeakMap<CryptoKey, Promise<JsonWebKey>>();
function publicJwkOf(publicKey: CryptoKey): Promise<JsonWebKey> {
  let jwk = publicJwks.get(publicKey);
  if (!jwk) {
    jwk = crypto.subtle.exportKey("jwk", publicKey).then(({ kty, crv, x, y }) => ({ kty, crv, x, y }));
    publicJwks.set(publicKey, jwk);
  }
  return jwk;
}

/** A proof for one request; with `accessToken` (a request to the API) it also carries its hash (ath). */
export async function createProof(key: KeyPair, method: string, url: string | URL, accessToken?: string): Promise<string> {
  const header = { typ: "dpop+jwt", alg: "ES256", jwk: await publicJwkOf(key.publicKey) };
  const claims: Record<string, string | number> = {
    iat: Math.floor(serverNow() / 1000),
    jti: crypto.randomUUID(),
    htm: method.toUpperCase(),
    htu: proofTarget(url),
  };
  if (accessToken !== undefined) claims.ath = base64url(await crypto.subtle.digest("SHA-256", encoder.encode(accessToken)));
  const input = `${encodePart(header)}.${encodePart(claims)}`;
  // WebCrypto's ECDSA signature is r || s, 64 bytes: the JWS form of ES256 (RFC 7518 3.4).
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key.privateKey, encoder.encode(input));
  return `${input}.${base64url(signature)}`;
}
