// Tokens the kit makes itself: unsigned, signed with keys the resource server must not trust, or (when the
// kit is given a key the server does trust, such as the shared secret) carrying claims the contract refuses.
import { createHmac } from "node:crypto";
import { CompactSign, type CryptoKey, exportJWK, generateKeyPair, type JWK } from "jose";

export type Header = Record<string, unknown>;
export type Claims = Record<string, unknown>;

function part(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[index] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

/** `alg: none` with an empty signature. */
export function unsigned(header: Header, claims: Claims): string {
  return `${part({ ...header, alg: "none" })}.${part(claims)}.`;
}

/** HS256 keyed with any bytes (the shared secret, or a public key misused as one). */
export function hs256(header: Header, claims: Claims, key: Uint8Array | string): string {
  const input = `${part({ ...header, alg: "HS256" })}.${part(claims)}`;
  return `${input}.${createHmac("sha256", key).update(input).digest("base64url")}`;
}

/** A signing key the resource server has never been given. */
export interface StrangerKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function strangerKey(kid: string): Promise<StrangerKey> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" } };
}

export async function eddsa(header: Header, claims: Claims, key: CryptoKey): Promise<string> {
  return new CompactSign(Buffer.from(JSON.stringify(claims))).setProtectedHeader({ ...header, alg: "EdDSA" }).sign(key);
}

/** What signs tokens the server trusts, when the kit has one: today the shared secret (HS256 mode). */
export interface TrustedSigner {
  describe: string;
  sign(claims: Claims, header?: Header): Promise<string>;
}

export function sharedSecretSigner(secret: string): TrustedSigner {
  return { describe: "the shared secret", sign: async (claims, header = {}) => hs256({ typ: "JWT", ...header }, claims, secret) };
}
