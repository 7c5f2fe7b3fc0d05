// The API's view of the auth service's public keys: jose's remote JWKS set (fetched once, cached,
// single in-flight fetch, cooldown between re-fetches for unknown kids), plus two things jose leaves
// to the application:
//  - Outages: when the JWKS cannot be fetched, keep verifying with the last key set that was fetched
//    successfully, for at most `staleMaxAgeMs` after that fetch; then answer 503. After a failed fetch,
//    wait `retryAfterMs` before trying again, so an outage costs no request a timeout.
//  - Rotation: a token with an unknown kid issued after our last fetch may be signed by a key the auth
//    service just created. One early re-fetch is allowed for it even inside the cooldown, at most once
//    per `retryAfterMs`, so a new key is accepted at once and a flood of random kids still cannot make
//    the API fetch more than that. (The unverified `iat` is only a hint for when to re-fetch; whether
//    the token is accepted is decided by the signature and claims alone.)
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type JWTVerifyGetKey,
} from "jose";

export interface RemoteKeySetOptions {
  url: string;
  timeoutMs: number;
  cooldownMs: number;
  cacheMaxAgeMs: number;
  staleMaxAgeMs: number;
  retryAfterMs: number;
  /** Told of every failed fetch (unreachable, timed out, an answer that is not a key set): a metric. */
  onFetchFailure?: () => void;
}

/** The keys cannot be had right now (JWKS unreachable or broken, and no recent copy). */
export class KeysUnavailableError extends Error {}

/** The token names no key, or a revoked one: a bad token (401), never an outage. */
export class KeyRefusedError extends Error {}

/** Marks every failure to obtain a usable key set. */
class KeyFetchError extends Error {}

type GetKey = (header: JWSHeaderParameters, token: FlattenedJWSInput) => ReturnType<JWTVerifyGetKey>;

/** The remote key set, and what readiness and metrics ask of it. */
export interface RemoteKeySet {
  getKey: GetKey;
  /**
   * Whether a token could be verified now: a key set fetched within the stale bound. Without one (never
   * fetched yet, or too old), fetches it now, unless a fetch failed within `retryAfterMs` (never a fetch
   * per call, and the one already in flight is shared).
   */
  usable(): Promise<boolean>;
  /** Milliseconds since the last successful fetch; undefined before the first. */
  ageMs(): number | undefined;
}

/**
 * The key set as the verifier may use it. A token must name its key: without a `kid`, jose takes the
 * only key of the set, whichever it is, so a token signed with a revoked key would pass for as long as a
 * cached copy of the set holds that key. And a key the revocation feed names is out of the set from the
 * moment its event arrives, whatever the cached JWKS still says (its next fetch may be minutes away, or
 * impossible while the JWKS is unreachable).
 */
export function liveKeysOnly(keys: GetKey, isKeyRevoked: (kid: string) => boolean): GetKey {
  return (header, token) => {
    const { kid } = header;
    if (typeof kid !== "string" || kid === "") throw new KeyRefusedError("the token names no key (kid)");
    if (isKeyRevoked(kid)) throw new KeyRefusedError("the token's key is revoked");
    return keys(header, token);
  };
}

/**
 * `now` is the clock the verifier checks tokens with (the database's, database-clock.ts): it stamps the
 * fetches, so a token's iat (database time) can be compared with them whatever the host's clock says.
 */
export function createRemoteKeySet(options: RemoteKeySetOptions, now: () => number = Date.now): RemoteKeySet {
  let lastFetchAt = Number.NEGATIVE_INFINITY;
  /** Counts successful fetches, so a caller can tell whether the key set changed while it waited. */
  let generation = 0;
  let lastGood: { generation: number; keys: GetKey } | undefined;
  let retryNotBefore = 0;
  let lastEarlyReloadAt = Number.NEGATIVE_INFINITY;
  let earlyReload: Promise<void> | undefined;
  let readinessFetch: Promise<void> | undefined;

  const remote = createRemoteJWKSet(new URL(options.url), {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: options.cacheMaxAgeMs,
    [customFetch]: async (url: string, init: RequestInit) => {
      // Throws unless the answer is a key set: only then does the fetch count as fresh.
      const response = await fetchKeySet(url, init).catch((error: unknown) => {
        options.onFetchFailure?.();
        throw error;
      });
      lastFetchAt = now();
      generation += 1;
      return response;
    },
  });

  function rememberCurrent(): void {
    if (lastGood?.generation === generation) return;
    const jwks = remote.jwks(); // a deep copy: taken once per successful fetch, not per request
    if (jwks) lastGood = { generation, keys: createLocalJWKSet(jwks) };
  }

  function fromLastGood(header: JWSHeaderParameters, token: FlattenedJWSInput, cause: unknown) {
    if (lastGood && now() - lastFetchAt <= options.staleMaxAgeMs) return lastGood.keys(header, token);
    throw new KeysUnavailableError("Signing keys unavailable", { cause });
  }

  /** One early re-fetch at a time; requests that miss the key meanwhile wait for it instead of failing. */
  async function reloadForNewKey(token: FlattenedJWSInput, seenGeneration: number): Promise<boolean> {
    if (!earlyReload && generation === seenGeneration && mayBeNewKey(token)) {
      lastEarlyReloadAt = now();
      earlyReload = remote.reload().finally(() => {
        earlyReload = undefined;
      });
    }
    if (earlyReload) await earlyReload;
    return generation !== seenGeneration;
  }

  const fresh = () => lastGood !== undefined && now() - lastFetchAt <= options.staleMaxAgeMs;

  async function usable(): Promise<boolean> {
    if (fresh()) return true;
    if (now() < retryNotBefore) return false;
    readinessFetch ??= remote
      .reload()
      .then(rememberCurrent, (error: unknown) => {
        if (isKeyFetchFailure(error)) retryNotBefore = now() + options.retryAfterMs;
      })
      .finally(() => {
        readinessFetch = undefined;
      });
    await readinessFetch;
    return fresh();
  }

  const getKey: GetKey = async (header, token) => {
    if (now() < retryNotBefore) return fromLastGood(header, token, "JWKS fetch failed recently");
    const seenGeneration = generation;
    try {
      try {
        return await remote(header, token);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
        if (!(await reloadForNewKey(token, seenGeneration))) throw error;
        return await remote(header, token);
      } finally {
        rememberCurrent();
      }
    } catch (error) {
      if (!isKeyFetchFailure(error)) throw error;
      retryNotBefore = now() + options.retryAfterMs;
      return fromLastGood(header, token, error);
    }
  };

  return { getKey, usable, ageMs: () => (Number.isFinite(lastFetchAt) ? now() - lastFetchAt : undefined) };

  function mayBeNewKey(token: FlattenedJWSInput): boolean {
    if (!remote.coolingDown || now() - lastEarlyReloadAt < options.retryAfterMs) return false;
    const issuedAt = unverifiedIssuedAt(token);
    return issuedAt !== undefined && issuedAt * 1000 >= Math.floor(lastFetchAt / 1000) * 1000;
  }
}

function unverifiedIssuedAt(token: FlattenedJWSInput): number | undefined {
  try {
    const bytes = typeof token.payload === "string" ? Buffer.from(token.payload, "base64url") : Buffer.from(token.payload);
    const payload = JSON.parse(bytes.toString("utf8")) as { iat?: unknown };
    return typeof payload.iat === "number" ? payload.iat : undefined;
  } catch {
    return undefined;
  }
}

async function fetchKeySet(url: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init).catch((error: unknown) => {
      // A pooled keep-alive connection to an auth service that has since restarted fails at once:
      // try a fresh connection once. A timeout is not retried (the signal has already fired).
      if (init.signal?.aborted) throw error;
      return fetch(url, init);
    });
  } catch (error) {
    throw new KeyFetchError(`JWKS request failed: ${String(error)}`, { cause: error });
  }
  // jose asks for redirect: "manual"; a redirect, an error status, an oversized or non-JSON body, and
  // JSON that is not a key set are all outages: none of them may count as a fresh fetch.
  if (response.status !== 200) throw new KeyFetchError(`JWKS answered HTTP ${response.status}`);
  const body = await readCapped(response, MAX_JWKS_BYTES);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new KeyFetchError("JWKS answered with something that is not JSON");
  }
  if (!isKeySetLike(parsed)) throw new KeyFetchError("JWKS answered with JSON that is not a key set");
  return new Response(body, { status: 200, headers: response.headers });
}

/** Far more than any real key set (one Ed25519 key is about 150 bytes), far less than a memory problem. */
export const MAX_JWKS_BYTES = 64 * 1024;

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new KeyFetchError(`JWKS body over ${maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new KeyFetchError(`JWKS body over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The shape jose requires of a key set (its own check runs after ours, on the same body). */
function isKeySetLike(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const { keys } = value as { keys?: unknown };
  return Array.isArray(keys) && keys.every((key) => typeof key === "object" && key !== null && !Array.isArray(key));
}

function isKeyFetchFailure(error: unknown): boolean {
  return error instanceof KeyFetchError || error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid;
}
