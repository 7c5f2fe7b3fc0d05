// The one place a password check outside sign-in (the email change's, email-change.ts) reads and spends the
// account's failed sign-in budget (account-sign-in-budget.ts): a wrong password typed with a stolen session
// cookie is a guess like a wrong sign-in, so it counts the same and is refused the same once the budget is
// spent. Without a budget configured (tests that do not test it), nothing is counted.
import { APIError } from "better-auth/api";
import { type AccountSignInBudget, TOO_MANY_FAILED_SIGN_INS } from "./account-sign-in-budget.ts";

export interface PasswordCheckBudget {
  /** The refusal for an account whose budget is spent, before the password is even checked; else null. */
  refusal(email: string): Promise<APIError | null>;
  /** One check's outcome: a wrong password spends one failure, a right one gives the budget back. */
  record(email: string, right: boolean): Promise<void>;
}

export function passwordCheckBudget(budget: AccountSignInBudget | undefined): PasswordCheckBudget {
  return {
    async refusal(email) {
      const seconds = budget ? await budget.lockedFor(email) : null;
      if (seconds === null) return null;
      const minutes = Math.ceil(seconds / 60);
      return new APIError(
        "TOO_MANY_REQUESTS",
        {
          message: `Too many failed sign-ins for this account. Try again in ${minutes === 1 ? "a minute" : `${minutes} minutes`}.`,
          code: TOO_MANY_FAILED_SIGN_INS,
        },
        { "Retry-After": String(seconds), "X-Retry-After": String(seconds) },
      );
    },
    async record(email, right) {
      if (!budget) return;
      if (right) await budget.succeeded(email);
      else await budget.failed(email);
    },
  };
}
