// The one place that verifies a bearer token. Nothing else parses a JWT. The signature is checked
// before any claim is read; algorithms are pinned to the configured key source; iss, aud, exp, nbf and the
// token's age are checked with a small clock tolerance, against the database's clock (database-clock.ts);
// jku/x5u/jwk/x5c headers are never followed (jose ignores them: keys come only from the configured
// source, and `kid` is only a lookup key into it, and a required one: key-set.ts).
import { createHash } from "node:crypto";
import { createLocalJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { LRUCache } from "lru-cache";
import type { ApiConfig, KeySourceConfig } from "../config.ts";
import { toRole, type Role } from "../shared/role.ts";
import { createRemoteKeySet, KeysUnavailableError, liveKeysOnly, type RemoteKeySet } from "./key-set.ts";
import { RevocationsUnavailableError, type RevocationFeed } from "./revocation-feed.ts";
import type { TokenIdentity } from "./revocation-list.ts";
import { InvalidTokenError, joseRejectionReason, TOKEN_REJECTION_REASONS, type TokenRejectionReason } from "./token-rejection.ts";
import { inVerificationSpan } from "./verification-span.ts";

export { InvalidTokenError, KeysUnavailableError, RevocationsUnavailableError, TOKEN_REJECTION_REASONS, type TokenRejectionReason };

/** After a failed JWKS fetch: how long to serve from the last good keys (or 503) before trying again. */
export const KEYS_RETRY_AFTER_MS = 5_000;

export interface Viewer {
  userId: string;
  /** The auth service's session the token was minted for (`sid`). */
  sessionId: string;
  role: Role;
  /** RFC 8176 methods the session was authenticated with (`amr`); empty when the token says none. */
  authMethods: readonly string[];
  /** Epoch seconds: when a factor was last verified in the session (`auth_time`); null when not said. */
  authTime: number | null;
}

/** A token that passed every check, with what revocations name and when it expires. */
export interface VerifiedToken {
  viewer: Viewer;
  /** What revocation events name: kept with the cache entry, so a revocation applies to cache hits too. */
  identity: TokenIdentity;
  /** Epoch ms: exp, or sooner when the token's age reaches its bound first (maxTokenAge plus the tolerance). */
  expiresAt: number;
  /**
   * A DPoP-bound token's key (`cnf.jkt`, the RFC 7638 thumbprint): usable only with a proof signed by that key
   * (RFC 9449; api/context.ts). Absent for a plain bearer token.
   */
  boundKey?: string;
}

export interface TokenVerifier {
  verify(token: string): Promise<VerifiedToken>;
  /** For long-lived requests (live streams): may a token verified earlier still be used right now? */
  stillValid(token: VerifiedToken): boolean;
  /** Epoch ms on the clock tokens are checked against (the database's). */
  now(): number;
  /** Calls `listener` when revocations arrive; returns the unsubscribe. */
  onRevocation(listener: () => void): () => void;
  /** The signing keys as readiness and metrics see them: a static key set or a shared secret is always usable. */
  keys: Pick<RemoteKeySet, "usable" | "ageMs">;
}

export interface TokenVerifierOptions {
  /** Told of every failed JWKS fetch (jwks_fetch_failures_total). */
  onKeyFetchFailure?: () => void;
}

interface KeySource {
  key: JWTVerifyGetKey | Uint8Array;
  algorithms: string[];
  status: TokenVerifier["keys"];
}

/** Keys configured in the process itself never go stale and are never fetched. */
const LOCAL_KEYS: TokenVerifier["keys"] = { usable: async () => true, ageMs: () => undefined };

/** How many verified tokens to remember (each entry is a hash, a viewer and its identity, about 300 bytes). */
const VERIFIED_TOKENS_MAX = 10_000;

export function createTokenVerifier(
  config: ApiConfig,
  revocations: RevocationFeed,
  verifierOptions: TokenVerifierOptions = {},
): TokenVerifier {
  const { key, algorithms, status } = keySource(config.keys, revocations, verifierOptions);
  // Tokens already verified, by SHA-256 of the token, until their exp or the end of their age bound,
  // whichever comes first, and never longer; failures are never remembered. Signature checks were the
  // largest cost in a request after the database.
  const verified = new LRUCache<string, VerifiedToken>({ max: VERIFIED_TOKENS_MAX });
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    algorithms,
    clockTolerance: config.clockToleranceSeconds,
    // A token whose exp is far away (signed with a leaked key) is still bounded by its age.
    maxTokenAge: config.maxTokenAgeSeconds,
    requiredClaims: [...REQUIRED_CLAIMS],
  };
  return {
    verify: (token) =>
      inVerificationSpan(async (span) => {
        // Before anything else: an instance that cannot vouch for its revocation list accepts nothing.
        const current = revocations.assertCurrent();
        if (current) await current;
        const digest = createHash("sha256").update(token).digest("base64url");
        let entry = verified.get(digest);
        // Every hit is checked against the time, not only the cache's own expiry: a hit past exp or past the
        // age bound goes back to jose, which refuses it.
        if (entry && revocations.now() >= entry.expiresAt) {
          verified.delete(digest);
          entry = undefined;
        }
        span.setAttribute("token.verification.cached", entry !== undefined);
        if (!entry) {
          entry = await verifyWithKeys(token);
          const ttl = entry.expiresAt - revocations.now();
          if (ttl > 0) verified.set(digest, entry, { ttl });
        }
        if (revocations.isRevoked(entry.identity)) throw new InvalidTokenError("revoked (session, user, role or key)", "revoked");
        return entry;
      }),
    stillValid(token) {
      return revocations.now() < token.expiresAt && revocations.isCurrent() && !revocations.isRevoked(token.identity);
    },
    now: () => revocations.now(),
    onRevocation: (listener) => revocations.onChange(listener),
    keys: status,
  };

  async function verifyWithKeys(token: string): Promise<VerifiedToken> {
    let payload: JWTPayload;
    let keyId: string | undefined;
    try {
      // Two overloads (key set function or raw key); both take the same options.
      // Checked against the database's clock, the one iat was taken from and revocations are stamped with.
      const checks = { ...options, currentDate: new Date(revocations.now()) };
      const result = key instanceof Uint8Array ? await jwtVerify(token, key, checks) : await jwtVerify(token, key, checks);
      payload = result.payload;
      keyId = result.protectedHeader.kid;
      // Explicit typing (RFC 8725 3.11): Better Auth's access tokens carry no typ (the HS256 mode says
      // "JWT"). A token that declares another kind (logout+jwt, a session-cache JWT...) is never an
      // access token, even when the same keys signed it for this audience.
      if (!ACCESS_TOKEN_TYPES.has(String(result.protectedHeader.typ ?? "").toLowerCase())) {
        throw new InvalidTokenError(`typ ${String(result.protectedHeader.typ)} is not an access token`);
      }
    } catch (error) {
      if (error instanceof InvalidTokenError || error instanceof KeysUnavailableError) throw error;
      throw new InvalidTokenError(error instanceof Error ? error.message : "invalid token", joseRejectionReason(error), { cause: error });
    }
    // exp and iat are required and verified above: the result is usable until exp or until the token is as
    // old as the age bound allows, whichever is first (a leaked key can mint an exp years away).
    const viewer = viewerFrom(payload);
    const issuedAt = payload.iat ?? 0;
    const identity = { sessionId: viewer.sessionId, userId: viewer.userId, role: viewer.role, issuedAt, keyId };
    const ageBound = (issuedAt + options.maxTokenAge + options.clockTolerance) * 1000;
    const boundKey = boundKeyOf(payload);
    return { viewer, identity, expiresAt: Math.min((payload.exp ?? 0) * 1000, ageBound), ...(boundKey ? { boundKey } : {}) };
  }
}

function keySource(keys: KeySourceConfig, revocations: RevocationFeed, options: TokenVerifierOptions): KeySource {
  const isKeyRevoked = (kid: string) => revocations.isKeyRevoked(kid);
  switch (keys.kind) {
    case "remote-jwks": {
      // Created once per process: its cache, cooldown and single in-flight fetch live in this closure.
      const remote = createRemoteKeySet(
        { ...keys, retryAfterMs: keys.retryAfterMs ?? KEYS_RETRY_AFTER_MS, onFetchFailure: options.onKeyFetchFailure },
        () => revocations.now(),
      );
      return { key: liveKeysOnly(remote.getKey, isKeyRevoked), algorithms: ["EdDSA"], status: remote };
    }
    case "static-jwks": {
      const jwks = JSON.parse(keys.jwks) as Parameters<typeof createLocalJWKSet>[0];
      return { key: liveKeysOnly(createLocalJWKSet(jwks), isKeyRevoked), algorithms: ["EdDSA"], status: LOCAL_KEYS };
    }
    case "shared-secret":
      // One secret and no key set: no kid to require or revoke. Changing JWT_SHARED_SECRET on both
      // services is this mode's key revocation, and it refuses every earlier token at once.
      return { key: new TextEncoder().encode(keys.secret), algorithms: ["HS256"], status: LOCAL_KEYS };
  }
}

const MAX_ID_LENGTH = 200;
/** The claims every token must carry (server/CONTRACT.md, "The token"). */
export const REQUIRED_CLAIMS = ["sub", "sid", "exp", "iat"] as const;
/** The `typ` headers of an access token, lower-cased; "" is none (server/CONTRACT.md). */
export const ACCESS_TOKEN_TYPES: ReadonlySet<string> = new Set(["", "jwt", "at+jwt", "application/at+jwt"]);

function viewerFrom(payload: JWTPayload): Viewer {
  const { sub, sid, role, amr, auth_time: authTime } = payload;
  if (!isId(sub)) throw new InvalidTokenError("sub is not a user id");
  // Every token names its session, so ending the session can end the token (revocation-feed.ts).
  if (!isId(sid)) throw new InvalidTokenError("sid is not a session id");
  if (role !== undefined && role !== "user" && role !== "admin") throw new InvalidTokenError("unknown role");
  // How the session was authenticated (server/CONTRACT.md, optional claims): what step-up asks about.
  if (amr !== undefined && !(Array.isArray(amr) && amr.every((method) => typeof method === "string" && method.length <= 32)))
    throw new InvalidTokenError("amr is not a list of methods");
  if (authTime !== undefined && !(typeof authTime === "number" && Number.isFinite(authTime)))
    throw new InvalidTokenError("auth_time is not a time");
  return {
    userId: sub,
    sessionId: sid,
    role: toRole(role),
    authMethods: (amr as string[] | undefined) ?? [],
    authTime: (authTime as number | undefined) ?? null,
  };
}

/** RFC 7638 SHA-256 thumbprint, base64url: 43 characters. */
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

/** cnf.jkt (RFC 9449 6.1), or undefined for an unbound token; any other confirmation is not understood, so refused. */
function boundKeyOf(payload: JWTPayload): string | undefined {
  const { cnf } = payload;
  if (cnf === undefined) return undefined;
  const jkt = typeof cnf === "object" && cnf !== null && !Array.isArray(cnf) ? (cnf as Record<string, unknown>).jkt : undefined;
  if (typeof jkt !== "string" || !THUMBPRINT.test(jkt) || Object.keys(cnf as object).length !== 1)
    throw new InvalidTokenError("cnf is not a DPoP key thumbprint", "claims");
  return jkt;
}

function isId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_ID_LENGTH;
}
