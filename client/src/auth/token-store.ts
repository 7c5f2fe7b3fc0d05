// The API's bearer token for one signed-in session, kept in memory only. It is renewed before it expires,
// judged by the token's own lifetime (exp - iat) measured on this machine's clock, so a skewed clock
// cannot make the app send expired tokens. Concurrent renewals share one request.
import { type AuthFailure, callAuth } from "./auth-errors.ts";

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
}

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
  fetchToken: () => Promise<string>;
  now?: () => number;
}

export interface TokenStore {
  /** The token to send now, or null before the first one. */
  current(): string | null;
  /** True when there is no token yet or it is close to expiry (see renewalMargin). */
  needsRenewal(): boolean;
  /** Fetches a new token now (deduplicated). */
  renew(): Promise<string>;
  /**
   * Fetches a token issued after this call, for a change the old token does not show (a second factor just
   * verified): a renewal already under way was asked for before the change, so it is waited out, not shared.
   */
  replace(): Promise<string>;
  /** The current token if it is fresh, otherwise a renewed one. */
  fresh(): Promise<string>;
  /** Local time (ms) at which the current token expires, or null. */
  expiresAt(): number | null;
  /** How many tokens this store has fetched (shown nowhere; tests and debugging). */
  readonly renewals: number;
}

interface HeldToken {
  token: string;
  renewAt: number;
  expiresAt: number;
}

export function createTokenStore({ userId, fetchToken, now = Date.now }: TokenStoreOptions): TokenStore {
  let held: HeldToken | null = null;
  let pending: Promise<string> | null = null;
  let renewals = 0;

  const renew = (): Promise<string> => {
    pending ??= (async () => {
      try {
        const receivedAt = now();
        const token = await fetchToken();
        renewals += 1;
        const claims = readClaims(token);
        if (claims.sub !== userId) {
          held = null;
          throw new SessionEndedError("You signed in as someone else in another tab.", "other-account");
        }
        const lifetimeMs = Math.max(0, (claims.exp - claims.iat) * 1000);
        held = { token, expiresAt: receivedAt + lifetimeMs, renewAt: receivedAt + lifetimeMs - renewalMargin(lifetimeMs) };
        return token;
      } finally {
        pending = null;
      }
    })();
    return pending;
  };

  const needsRenewal = () => held === null || now() >= held.renewAt;

  const replace = async (): Promise<string> => {
    const earlier = pending;
    if (earlier) await earlier.catch(() => {});
    return renew(); // shares only a renewal that began after this call
  };

  return {
    current: () => held?.token ?? null,
    needsRenewal,
    renew,
    replace,
    fresh: () => (needsRenewal() ? renew() : Promise.resolve(held!.token)),
    expiresAt: () => held?.expiresAt ?? null,
    get renewals() {
      return renewals;
    },
  };
}

/** GET /api/auth/token through Better Auth's client, with the outcomes the token store distinguishes. */
export function tokenFetcher(request: () => Promise<{ data: { token: string } | null; error: AuthFailure | null }>) {
  return async (): Promise<string> => {
    const { data, failure } = await callAuth(request);
    if (data?.token) return data.token;
    const status = failure?.status ?? 0;
    if (status === 401 || status === 403) throw new SessionEndedError("Your session has ended.");
    if (failure && !status) throw new TokenUnavailableError("Could not reach the sign-in service.", { cause: failure.cause });
    throw new TokenUnavailableError(`The sign-in service answered ${status || "with an error"}.`);
  };
}
