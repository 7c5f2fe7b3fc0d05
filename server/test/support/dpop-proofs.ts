// DPoP proofs for tests: the genuine ones made by `dpop` (the library the SPA uses), and forged ones made by hand
// with jose, where a test needs a claim or header no honest client would send (a stale iat, a reused jti, alg
// none, HS256, a private key in the header, no typ).
import { createHash, randomUUID } from "node:crypto";
import { generateKeyPair, generateProof, type KeyPair } from "dpop";
import { calculateJwkThumbprint, exportJWK, type JWK, SignJWT } from "jose";

export { generateProof };

/** A client's DPoP key: an ES256 key pair (its public half exportable, as dpop requires) and its thumbprint. */
export interface DpopKey {
  keyPair: KeyPair;
  publicJwk: JWK;
  jkt: string;
}

export async function newDpopKey(): Promise<DpopKey> {
  const keyPair = await generateKeyPair("ES256", { extractable: true });
  const publicJwk = await exportJWK(keyPair.publicKey);
  return { keyPair, publicJwk, jkt: await calculateJwkThumbprint(publicJwk, "sha256") };
}

/** base64url(SHA-256(token)): a proof's `ath`. */
export function athOf(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

export interface ForgedProof {
  htm: string;
  htu: string;
  accessToken?: string;
  /** Seconds since the epoch; default now. */
  iat?: number;
  jti?: string;
  /** Default "dpop+jwt"; null leaves it out. */
  typ?: string | null;
  /** The header's jwk; default the key's public half. */
  jwk?: JWK;
  ath?: string;
}

/** A proof signed with `key` as an honest client would, but with any claim or header chosen by the test. */
export async function forgeProof(key: DpopKey, proof: ForgedProof): Promise<string> {
  const header = { alg: "ES256", jwk: proof.jwk ?? key.publicJwk, ...(proof.typ === null ? {} : { typ: proof.typ ?? "dpop+jwt" }) };
  const ath = proof.ath ?? (proof.accessToken ? athOf(proof.accessToken) : undefined);
  return new SignJWT({ htm: proof.htm, htu: proof.htu, jti: proof.jti ?? randomUUID(), ...(ath ? { ath } : {}) })
    .setProtectedHeader(header)
    .setIssuedAt(proof.iat ?? Math.floor(Date.now() / 1000))
    .sign(key.keyPair.privateKey);
}

/** An unsigned proof (alg none): what jose will not make, built by hand. */
export function unsignedProof(key: DpopKey, claims: { htm: string; htu: string; accessToken?: string }): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const body = { ...claims, accessToken: undefined, ath: claims.accessToken ? athOf(claims.accessToken) : undefined };
  return `${part({ typ: "dpop+jwt", alg: "none", jwk: key.publicJwk })}.${part({ ...body, iat: Math.floor(Date.now() / 1000), jti: randomUUID() })}.`;
}

/** A proof MACed with HS256 under a secret of the attacker's choosing, naming the key's public half. */
export function hs256Proof(key: DpopKey, claims: { htm: string; htu: string; accessToken?: string }): Promise<string> {
  return new SignJWT({
    htm: claims.htm,
    htu: claims.htu,
    jti: randomUUID(),
    ...(claims.accessToken ? { ath: athOf(claims.accessToken) } : {}),
  })
    .setProtectedHeader({ alg: "HS256", typ: "dpop+jwt", jwk: key.publicJwk })
    .setIssuedAt()
    .sign(new TextEncoder().encode("a secret the attacker chose, 32 bytes or more long"));
}
