// How many wrong passwords an account may be tried with, per window (AUTH_SIGN_IN_FAILURES_PER_ACCOUNT per
// AUTH_SIGN_IN_FAILURE_WINDOW_SECONDS), whatever the number of addresses and however many guesses arrive at
// once: a unit is spent atomically BEFORE the password is checked and given back after, unless the guess
// was wrong. Checking first and counting after let every guess of a simultaneous burst be checked.
// Three kinds of budget, so that no one can spend the owner's:
//  - a sign-in from a browser the account has never signed in from: one budget for all such clients;
//  - a sign-in from a known device (known-devices.ts): a budget of that device's own;
//  - re-entering the password with a session (change password, change email, delete account): the
//    account's own, so a stolen session cookie is no password oracle either.
// Counted in the same store as every other budget (memory, or Redis with REDIS_URL, shared by every auth
// instance); keyed by hashes, so neither Redis nor a memory dump holds addresses. Unlike the request limits,
// this budget fails CLOSED: while its store (Redis) is unreachable no password is checked (the request is
// answered 503 with Retry-After), since someone who can make Redis unavailable must not get unlimited
// guesses. Signing in with a password stops for the outage; passkeys and existing sessions do not.
import type { RateLimitRule, RateLimitStore } from "../rate-limit/limiter.ts";
import { accountKey } from "./known-devices.ts";

/** The error code of a sign-in refused because its budget is spent. */
export const TOO_MANY_FAILED_SIGN_INS = "TOO_MANY_FAILED_SIGN_INS";
/** The error code of a password confirmation refused because the account's budget is spent. */
export const TOO_MANY_WRONG_PASSWORDS = "TOO_MANY_WRONG_PASSWORDS";

/** What `spend` answers when the budget's store cannot be reached: no check may happen. */
export const BUDGET_UNREACHABLE = "unreachable";

export interface PasswordCheckBudget {
  /**
   * Spends one unit for a password check about to happen: null when allowed, else seconds to wait, or
   * BUDGET_UNREACHABLE when nothing could be counted (the check must not happen either).
   */
  spend(key: string): Promise<number | null | typeof BUDGET_UNREACHABLE>;
  /** Gives the unit back: the check was not a wrong guess (a right password, or no check at all). */
  refund(key: string): Promise<void>;
  /** The whole budget back: a completed password reset. */
  clear(key: string): Promise<void>;
}

export const budgetKeys = {
  /** Sign-ins from every client that is not a known device of this account. */
  unknownClients: (email: string) => `unknown:${accountKey(email)}`,
  /** Sign-ins from one known device of this account. */
  knownDevice: (email: string, deviceId: string) => `device:${accountKey(email)}:${deviceId}`,
  /** Passwords re-entered with one of this user's sessions. */
  confirmations: (userId: string) => `confirm:${userId}`,
};

const NAME = "auth-password-checks";

export function createPasswordCheckBudget(store: RateLimitStore, rule: RateLimitRule): PasswordCheckBudget {
  return {
    async spend(key) {
      const decision = await store.consume(NAME, rule, key);
      if (decision.storeUnreachable) return BUDGET_UNREACHABLE;
      return decision.allowed ? null : decision.retryAfterSeconds;
    },
    refund: (key) => store.refund(NAME, rule, key),
    clear: (key) => store.reset(NAME, rule, key),
  };
}

/** No budget: every check allowed (a deployment that turned the limit off, and tests of other things). */
export const UNLIMITED_PASSWORD_CHECKS: PasswordCheckBudget = {
  spend: async () => null,
  refund: async () => {},
  clear: async () => {},
};
