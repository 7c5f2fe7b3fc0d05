// Failed sign-ins per account, whatever address they come from: the per-IP limit alone lets someone with
// many addresses guess one account's password without bound. Only failures count, and a success gives
// the budget back, so the owner is kept out by someone else's guessing for at most one window (after it,
// the first right password gets in). Counted in the same store as every other budget (memory, or Redis
// with REDIS_URL, shared by every auth instance); keyed by the address as typed, lower-cased, whether or
// not an account has it, so the answer says nothing about which addresses have accounts.
import { createHash } from "node:crypto";
import type { RateLimitRule, RateLimitStore } from "../rate-limit/limiter.ts";

/** The error code of a sign-in refused because its account's budget is spent. */
export const TOO_MANY_FAILED_SIGN_INS = "TOO_MANY_FAILED_SIGN_INS";

export interface AccountSignInBudget {
  /** Seconds until this account may be tried again, or null when it may be now. */
  lockedFor(email: string): Promise<number | null>;
  failed(email: string): Promise<void>;
  succeeded(email: string): Promise<void>;
}

const NAME = "auth-account-failures";

/** The store's key: a hash, so neither Redis nor a memory dump holds the addresses. */
function keyOf(email: string): string {
  return createHash("sha256").update(email.trim().toLowerCase()).digest("base64url");
}

export function createAccountSignInBudget(store: RateLimitStore, rule: RateLimitRule): AccountSignInBudget {
  return {
    async lockedFor(email) {
      const decision = await store.peek(NAME, rule, keyOf(email));
      return decision.allowed ? null : decision.retryAfterSeconds;
    },
    async failed(email) {
      await store.consume(NAME, rule, keyOf(email));
    },
    async succeeded(email) {
      await store.reset(NAME, rule, keyOf(email));
    },
  };
}
