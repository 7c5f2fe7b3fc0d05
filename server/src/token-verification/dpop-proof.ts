// The one place that checks a DPoP proof (RFC 9449 section 4.3), for both services: the auth service before it
// binds a token to the proof's key (GET /api/auth/token), the API before it accepts a bound token. jose checks
// the signature with the public P-256 key in the proof's header (its kty, crv, x and y alone; a header holding a
// private key is refused outright); everything the RFC asks beyond a signature is checked here, and the proof's
// jti is claimed in the replay store shared by every instance.
// A proof is short-lived and single-use by design: nothing about one is cached, only its public key once imported
// (a client signs every request with the same key, and importing it cost more than checking the signature).
import { createHash } from "node:crypto";
import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, type JWK, jwtVerify } from "jose";
import { LRUCache } from "lru-cache";

/** The only algorithm a proof may use (announced as `algs` in every DPoP challenge). */
export const DPOP_ALGORITHMS = ["ES256"] as const;
/** A proof's iat may be this far from the server's clock, either way; its jti is remembered a little longer. */
export const DPOP_PROOF_WINDOW_SECONDS = 60;
/** How long a claimed jti is kept: past this, the proof's iat alone refuses it. */
export const DPOP_JTI_KEPT_MS = (2 * DPOP_PROOF_WINDOW_SECONDS + 10) * 1000;
/** Far larger than any proof of a P-256 key (about 600 bytes); refused before any parsing. */
const MAX_PROOF_LENGTH = 4096;
const MAX_JTI_LENGTH = 256;
/** Clients' public keys kept imported, with their thumbprints (each entry a few hundred bytes). */
const IMPORTED_KEYS_MAX = 10_000;
/** A P-256 coordinate, base64url: 32 bytes. */
const COORDINATE = /^[A-Za-z0-9_-]{43}$/;

/** Where proofs' jti are claimed: one store for every instance of both services (db/dpop-proof-use.ts). */
export interface ProofReplayStore {
  /** True for the first request to claim `key` within `keepMs`; false for every later one. */
  firstUse(key: string, keepMs: number): Promise<boolean>;
}

/** The proof is missing or not acceptable: `invalid_dpop_proof`. The reason is for server logs only. */
export class InvalidDpopProofError extends Error {}

export interface ProofRequest {
  /** The request's `DPoP` header, as received (null when absent). */
  proof: string | null;
  /** The request's method. */
  method: string;
  /**
   * The request's URL as the client may have addressed it: as received (from the Host header, which the dev proxy
   * and the web server keep) and, behind a proxy that changes scheme or host, as configured. Query and fragment
   * are ignored.
   */
  urls: readonly string[];
  /** The access token the proof must be bound to (`ath`), at a resource server; absent at the token endpoint. */
  accessToken?: string;
  /** Epoch ms: the server's clock. */
  now: number;
}

export interface VerifiedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's public key: what a bound token names as `cnf.jkt`. */
  jkt: string;
}

export interface DpopProofVerifier {
  verify(request: ProofRequest): Promise<VerifiedProof>;
}

interface ImportedKey {
  key: Awaited<ReturnType<typeof importJWK>>;
  jkt: string;
}

export function createDpopProofVerifier(replays: ProofReplayStore): DpopProofVerifier {
  const imported = new LRUCache<string, ImportedKey>({ max: IMPORTED_KEYS_MAX });
  /** The header's key as a public P-256 key (only its kty, crv, x and y are read), imported once per key. */
  async function publicKeyOf(jwk: JWK): Promise<ImportedKey> {
    const { kty, crv, x, y } = jwk;
    if (kty !== "EC" || crv !== "P-256" || typeof x !== "string" || typeof y !== "string" || !COORDINATE.test(x) || !COORDINATE.test(y))
      throw new InvalidDpopProofError("DPoP proof's jwk is not a P-256 public key");
    const id = `${x}.${y}`;
    let entry = imported.get(id);
    if (!entry) {
      const publicJwk = { kty, crv, x, y };
      entry = { key: await importJWK(publicJwk, "ES256"), jkt: await calculateJwkThumbprint(publicJwk, "sha256") };
      imported.set(id, entry);
    }
    return entry;
  }
  return {
    async verify({ proof, method, urls, accessToken, now }) {
      if (proof === null || proof === "") throw new InvalidDpopProofError("no DPoP proof");
      // Headers joins repeated fields with ", "; a compact JWS never holds a comma (RFC 9449 4.3 step 1).
      if (proof.includes(",")) throw new InvalidDpopProofError("more than one DPoP proof");
      if (proof.length > MAX_PROOF_LENGTH) throw new InvalidDpopProofError("DPoP proof too long");
      let header: ReturnType<typeof decodeProtectedHeader>;
      try {
        header = decodeProtectedHeader(proof);
      } catch {
        throw new InvalidDpopProofError("DPoP proof is not a JWS");
      }
      // Checked before the signature so a private key in the header is named as such (jose refuses it too).
      const jwk = header.jwk as JWK | undefined;
      if (!jwk || typeof jwk !== "object") throw new InvalidDpopProofError("DPoP proof has no jwk");
      if ("d" in jwk || "p" in jwk || "k" in jwk) throw new InvalidDpopProofError("DPoP proof's jwk is not a public key");
      // An invalid point is refused by the import (and then remembered by no one).
      const publicKey = await publicKeyOf(jwk).catch((error: unknown) => {
        throw error instanceof InvalidDpopProofError ? error : new InvalidDpopProofError("DPoP proof's jwk is not a usable key");
      });
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(proof, publicKey.key, {
          typ: "dpop+jwt",
          algorithms: [...DPOP_ALGORITHMS],
          requiredClaims: ["jti", "htm", "htu", "iat"],
          // iat is checked below against this server's window; jose would refuse only a future nbf/exp.
          currentDate: new Date(now),
        }));
      } catch (error) {
        throw new InvalidDpopProofError(`DPoP proof refused: ${error instanceof Error ? error.message : String(error)}`);
      }
      const { jti, htm, htu, iat, ath } = payload;
      if (typeof jti !== "string" || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw new InvalidDpopProofError("bad jti");
      if (htm !== method) throw new InvalidDpopProofError("htm is not the request's method");
      if (typeof htu !== "string" || !urls.some((url) => sameTarget(htu, url)))
        throw new InvalidDpopProofError("htu is not the request's URL");
      if (typeof iat !== "number" || Math.abs(now / 1000 - iat) > DPOP_PROOF_WINDOW_SECONDS)
        throw new InvalidDpopProofError("iat outside the window");
      if (accessToken !== undefined && ath !== sha256(accessToken)) throw new InvalidDpopProofError("ath is not the token's hash");
      const { jkt } = publicKey;
      // Last: only a proof that passed everything else spends a jti (a forged one cannot burn a real one's).
      if (!(await replays.firstUse(sha256(`${jkt}\n${jti}`), DPOP_JTI_KEPT_MS))) throw new InvalidDpopProofError("jti used before");
      return { jkt };
    },
  };
}

/**
 * The URLs a proof's htu may name for a request: the URL as received, and the same path under the origin clients
 * use when a proxy in front changes scheme or host (the API's API_PUBLIC_ORIGIN, the auth service's base URL).
 */
export function requestUrls(requestUrl: string, publicOrigin?: string): string[] {
  if (!publicOrigin) return [requestUrl];
  return [requestUrl, `${new URL(publicOrigin).origin}${new URL(requestUrl).pathname}`];
}

/** base64url(SHA-256(text)): `ath` of a token (RFC 9449 4.2), and the replay store's key. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

/**
 * RFC 9449 4.3 step 9: htu names the request's URI without query and fragment, compared after normalisation
 * (RFC 3986 6.2.2 and 6.2.3 as WHATWG's URL parser does them: case of scheme and host, default ports, dot segments).
 */
function sameTarget(htu: string, requestUrl: string): boolean {
  let claimed: URL;
  try {
    claimed = new URL(htu);
  } catch {
    return false;
  }
  const actual = new URL(requestUrl);
  return claimed.origin === actual.origin && claimed.pathname === actual.pathname;
}
