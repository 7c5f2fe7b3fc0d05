// DPoP proofs (RFC 9449 section 4) as a client makes them, with panva's `dpop` (what the SPA uses), and the
// ones a client must never get accepted, forged here with jose where `dpop` cannot (it always sets `iat`,
// `jti`, `typ` and the public `jwk` itself): old or future `iat`, a chosen `jti`, a wrong `ath`, no `typ`,
// `alg: none`, HS256, a private key in the header.
import { createHash, randomUUID } from "node:crypto";
import { generateKeyPair, generateProof, type KeyPair } from "dpop";
import { CompactSign, calculateJwkThumbprint, exportJWK, type JWK } from "jose";
import { hs256, unsigned } from "./forged-tokens.ts";

export type ProofHeader = Record<string, unknown>;
export type ProofClaims = Record<string, unknown>;

/** What a forgery may change; everything else is what a correct proof for the request carries. */
export interface ProofChanges {
  htm?: string;
  htu?: string;
  iat?: number;
  jti?: string;
  /** The access token whose hash goes in `ath` (none for the token endpoint). */
  token?: string;
  /** `ath` itself, whatever the token. */
  ath?: string;
  header?: ProofHeader;
  /** Header members to leave out (`typ`). */
  without?: string[];
}

/** `htu`: the request's URL without its query and fragment (RFC 9449 section 4.2). */
export function htuOf(url: string): string {
  const parsed = new URL(url);
  parsed.search = "";
  parsed.hash = "";
  return parsed.toString();
}

/** `ath`: base64url(SHA-256(the access token)). */
export function athOf(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

export class ProofKey {
  private constructor(
    readonly pair: KeyPair,
    /** The public key as the proof's header carries it. */
    readonly jwk: JWK,
    /** Its RFC 7638 SHA-256 thumbprint: what a bound token's `cnf.jkt` must be. */
    readonly thumbprint: string,
  ) {}

  /** An ES256 key pair. Extractable, unlike the SPA's: one forgery puts the private key in the header. */
  static async generate(): Promise<ProofKey> {
    const pair = await generateKeyPair("ES256", { extractable: true });
    const { kty, crv, x, y } = await exportJWK(pair.publicKey);
    const jwk = { kty, crv, x, y } as JWK;
    return new ProofKey(pair, jwk, await calculateJwkThumbprint(jwk, "sha256"));
  }

  /** A correct proof, made by the `dpop` library as a client makes it. */
  proof(method: string, url: string, token?: string): Promise<string> {
    return generateProof(this.pair, htuOf(url), method, undefined, token);
  }

  /** The header and claims of a correct proof, with the changes applied: for forgeries signed below. */
  parts(method: string, url: string, changes: ProofChanges = {}): { header: ProofHeader; claims: ProofClaims } {
    const header: ProofHeader = { typ: "dpop+jwt", alg: "ES256", jwk: this.jwk, ...changes.header };
    for (const name of changes.without ?? []) delete header[name];
    const ath = changes.ath ?? (changes.token === undefined ? undefined : athOf(changes.token));
    const claims: ProofClaims = {
      jti: changes.jti ?? randomUUID(),
      htm: changes.htm ?? method,
      htu: changes.htu ?? htuOf(url),
      iat: changes.iat ?? Math.floor(Date.now() / 1000),
      ...(ath === undefined ? {} : { ath }),
    };
    return { header, claims };
  }

  /** A proof with the changes, properly signed with this key (ES256). */
  signed(method: string, url: string, changes: ProofChanges = {}): Promise<string> {
    const { header, claims } = this.parts(method, url, changes);
    return new CompactSign(Buffer.from(JSON.stringify(claims))).setProtectedHeader({ ...header, alg: "ES256" }).sign(this.pair.privateKey);
  }

  /** Properly signed, but the header's `jwk` is the private key (with `d`). */
  async carryingPrivateKey(method: string, url: string, token?: string): Promise<string> {
    const { kty, crv, x, y, d } = await exportJWK(this.pair.privateKey);
    return this.signed(method, url, { token, header: { jwk: { kty, crv, x, y, d } } });
  }

  /** `alg: none`, no signature. */
  unsigned(method: string, url: string, token?: string): string {
    const { header, claims } = this.parts(method, url, { token });
    return unsigned(header, claims);
  }

  /** HS256 keyed with the public key's JWK JSON, as a server that took the header's key for a secret would check it. */
  hs256(method: string, url: string, token?: string): string {
    const { header, claims } = this.parts(method, url, { token });
    return hs256(header, claims, JSON.stringify(this.jwk));
  }
}
