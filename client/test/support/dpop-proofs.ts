// For component tests: reads a DPoP proof as a server would before trusting it. The signature is checked with
// the key in its own header (WebCrypto, ES256), so a test sees what was really signed, and the key's RFC 7638
// thumbprint says which key signed it. The real services' checks are exercised by the browser tests.

export interface ReadProof {
  header: { typ?: string; alg?: string; jwk?: JsonWebKey };
  claims: { htm?: string; htu?: string; iat?: number; jti?: string; ath?: string; nonce?: string };
  /** base64url SHA-256 thumbprint of the signing key (what a bound token's cnf.jkt holds). */
  thumbprint: string;
}

const decoder = new TextDecoder();

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (character) => character.charCodeAt(0));
}

export function base64url(bytes: ArrayBuffer | Uint8Array): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export async function sha256(text: string): Promise<string> {
  return base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** RFC 7638: the required members of an EC key, in lexical order, no spaces. */
export function thumbprintOf(jwk: JsonWebKey): Promise<string> {
  return sha256(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }));
}

/** Throws unless `proof` is a dpop+jwt signed with ES256 by the public key it carries. */
export async function readProof(proof: string): Promise<ReadProof> {
  const [headerPart, claimsPart, signaturePart, ...rest] = proof.split(".");
  if (!headerPart || !claimsPart || !signaturePart || rest.length) throw new Error("not a compact JWS");
  const header = JSON.parse(decoder.decode(fromBase64url(headerPart))) as ReadProof["header"];
  if (header.typ !== "dpop+jwt" || header.alg !== "ES256" || !header.jwk) throw new Error("not an ES256 dpop+jwt with a jwk");
  if ("d" in header.jwk) throw new Error("the proof carries a private key");
  const key = await crypto.subtle.importKey("jwk", header.jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const signed = new TextEncoder().encode(`${headerPart}.${claimsPart}`);
  const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, fromBase64url(signaturePart), signed);
  if (!valid) throw new Error("the signature does not verify with the proof's key");
  const claims = JSON.parse(decoder.decode(fromBase64url(claimsPart))) as ReadProof["claims"];
  return { header, claims, thumbprint: await thumbprintOf(header.jwk) };
}
