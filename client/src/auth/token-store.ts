// The API's token for one signed-in session, kept in memory only, with the DPoP key it is bound to when the
// auth service bound it (every request with it then carries a proof made with that key: request-authorization.ts).
// It is renewed before it expires, judged by the token's own lifetime (exp - iat) measured on this machine's
// clock, so a skewed clock cannot make the app send expired tokens. Concurrent renewals share one request.
import type { KeyPair } from "dpop";
import { type AuthFailure, callAuth } from "./auth-errors.ts";
import { createProof } from "./dpop-proof.ts";

/** Why a session is gone: it was ended (signed out here or elsewhere, revoked, expired), or another account took its place. */
export type SessionEndReason = "ended" | "other-account";

/** The session behind the token is gone (signed out, expired, or replaced in another tab). */
export class SessionEndedError extends Error {
  override name = "SessionEndedError";
  constructor(
    message: string,
    readonly reason: SessionEndReason = "ended",
  ) {
    super(message);
  }
}

/** The auth service could not be reached or failed; the session may well be fine. */
export class TokenUnavailableError extends Error {
  override name = "TokenUnavailableError";
  /** "key-proof": the auth service refused this browser's DPoP proof (most likely its clock is off by over a minute). */
  reason?: "key-proof";
}

/**
 * A token as the auth service issued it: bound to this browser's `key` (`cnf.jkt`; sent as `DPoP <token>`
 * with a proof made by that key) or a bearer token (no proof was asked for it: a browser without WebCrypto).
 * The key travels with the token so a request is always signed with the key its token names.
 */
export type IssuedToken = { token: string; type: "DPoP"; key: KeyPair } | { token: string; type: "Bearer"; key?: undefined };

export interface TokenClaims {
  sub: string;
  iat: number;
  exp: number;
  /** What the SPA shows (the admin screen's link); the API decides what each role may read. */
  role: "admin" | "user";
}

/** Reads the claims the client needs for timing and identity. Verifying is the API's job, not the browser's. */
export function readClaims(token: string): TokenClaims {
  const payload = token.split(".")[1];
  if (!payload) throw new TokenUnavailableError("The auth service returned something that is not a JWT.");
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
  const claims = JSON.parse(json) as Partial<Record<keyof TokenClaims, unknown>>;
  if (typeof claims.sub !== "string" || typeof claims.iat !== "number" || typeof claims.exp !== "number") {
    throw new TokenUnavailableError("The token is missing sub, iat or exp.");
  }
  return { sub: claims.sub, iat: claims.iat, exp: claims.exp, role: claims.role === "admin" ? "admin" : "user" };
}

/** Renew when this much of the lifetime is left: a quarter of it, at most a minute (14 min into a 15 min token). */
export function renewalMargin(lifetimeMs: number): number {
  return Math.min(60_000, lifetimeMs / 4);
}

export interface TokenStoreOptions {
  /** The signed-in user: a token for anyone else means the session changed under us. */
  userId: string;
  /** GET /api/auth/token. Throws SessionEndedError when the session is gone, TokenUnavailableError otherwise. */
  fetchToken: () => Promise<IssuedToken>;
  now?: () => number;
}

export interface TokenStore {
  /** The token to send now, or null before the first one. */
  current(): IssuedToken | null;
  /** True when there is no token yet or it is close to expiry (see renewalMargin). */
  needsRenewal(): boolean;
  /** Fetches a new token now (deduplicated). */
  renew(): Promise<IssuedToken>;
  /**
   * Fetches a token issued after this call, for a change the old token does not show (a second factor just
   * verified): a renewal already under way was asked for before the change, so it is waited out, not shared.
   */
  replace(): Promise<IssuedToken>;
  /** The current token if it is fresh, otherwise a renewed one. */
  fresh(): Promise<IssuedToken>;
  /** Local time (ms) at which the current token expires, or null. */
  expiresAt(): number | null;
  /** How many tokens this store has fetched (shown nowhere; tests and debugging). */
  readonly renewals: number;
}

interface HeldToken {
  issued: IssuedToken;
  renewAt: number;
  expiresAt: number;
}

export function createTokenStore({ userId, fetchToken, now = Date.now }: TokenStoreOptions): TokenStore {
  let held: HeldToken | null = null;
  let pending: Promise<IssuedToken> | null = null;
  let renewals = 0;

  const renew = (): Promise<IssuedToken> => {
    pending ??= (async () => {
      try {
        const receivedAt = now();
        const issued = await fetchToken();
        renewals += 1;
        const claims = readClaims(issued.token);
        if (claims.sub !== userId) {
          held = null;
          throw new SessionEndedError("You signed in as someone else in another tab.", "other-account");
        }
        const lifetimeMs = Math.max(0, (claims.exp - claims.iat) * 1000);
        held = { issued, expiresAt: receivedAt + lifetimeMs, renewAt: receivedAt + lifetimeMs - renewalMargin(lifetimeMs) };
        return issued;
      } finally {
        pending = null;
      }
    })();
    return pending;
  };

  const needsRenewal = () => held === null || now() >= held.renewAt;

  const replace = async (): Promise<IssuedToken> => {
    const earlier = pending;
    if (earlier) await earlier.catch(() => {});
    return renew(); // shares only a renewal that began after this call
  };

  return {
    current: () => held?.issued ?? null,
    needsRenewal,
    renew,
    replace,
    fresh: () => (needsRenewal() ? renew() : Promise.resolve(held!.issued)),
    expiresAt: () => held?.expiresAt ?? null,
    get renewals() {
      return renewals;
    },
  };
}

/** What GET /api/auth/token answers: `token_type` "DPoP" when it bound the token to the proof's key (RFC 9449 section 5). */
export interface TokenAnswer {
  token: string;
  token_type?: string;
}

/** How token requests prove the key: the key to bind to (null: none, ask for a bearer token) and the endpoint's URL (htu). */
export interface TokenBinding {
  key: () => Promise<KeyPair | null>;
  url: string;
}

/**
 * GET /api/auth/token through Better Auth's client, with the outcomes the token store distinguishes. With a
 * binding, each request carries a fresh DPoP proof (htm GET, htu the endpoint, no ath: there is no token yet).
 */
export function tokenFetcher(
  request: (headers: Record<string, string>) => Promise<{ data: TokenAnswer | null; error: AuthFailure | null }>,
  binding?: TokenBinding,
) {
  return async (): Promise<IssuedToken> => {
    let headers: Record<string, string> = {};
    let key: KeyPair | null = null;
    if (binding) {
      try {
        key = await binding.key();
        if (key) headers = { DPoP: await createProof(key, "GET", binding.url) };
      } catch (cause) {
        throw new TokenUnavailableError("This browser could not make or use its key for the sign-in service.", { cause });
      }
    }
    const { data, failure } = await callAuth(() => request(headers));
    if (data?.token) {
      if (data.token_type?.toLowerCase() !== "dpop") return { token: data.token, type: "Bearer" };
      if (!key) throw new TokenUnavailableError("The sign-in service bound a token to a key this browser did not offer.");
      return { token: data.token, type: "DPoP", key };
    }
    const status = failure?.status ?? 0;
    if (status === 401 || status === 403) throw new SessionEndedError("Your session has ended.");
    if (failure && !status) throw new TokenUnavailableError("Could not reach the sign-in service.", { cause: failure.cause });
    if (status === 400 && failure?.error === "invalid_dpop_proof") {
      const refused = new TokenUnavailableError("The sign-in service refused this browser's proof of its key.");
      refused.reason = "key-proof";
      throw refused;
    }
    throw new TokenUnavailableError(`The sign-in service answered ${status || "with an error"}.`);
  };
}
