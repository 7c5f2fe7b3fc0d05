// Better Auth's client calls and their failures: one way to make a call, and its error codes in words that say
// what to do next.
export interface AuthFailure {
  code?: string;
  message?: string;
  status?: number;
  /** An OAuth-style error code (RFC 6749 section 5.2), as the token endpoint answers a refused DPoP proof: "invalid_dpop_proof". */
  error?: string;
  /** What the call threw when no answer came (the network). */
  cause?: unknown;
}

const MESSAGES: Record<string, string> = {
  INVALID_EMAIL_OR_PASSWORD: "Wrong email or password. Check both and try again.",
  USER_ALREADY_EXISTS: "An account with this email already exists. Sign in instead.",
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: "An account with this email already exists. Sign in instead.",
  PASSWORD_TOO_SHORT: "The password is too short: use at least 10 characters.",
  PASSWORD_TOO_LONG: "The password is too long: use at most 128 characters.",
  INVALID_EMAIL: "Enter a valid email address.",
  EMAIL_NOT_VERIFIED: "Verify your email address first: open the link we mailed you when you signed up.",
  // Re-entering the password with a session: change password, change email, delete account.
  INVALID_PASSWORD: "That is not your current password. Check it and try again.",
  // Two-step verification's codes.
  INVALID_CODE: "That code is not right. Enter the one your authenticator app shows now.",
  INVALID_BACKUP_CODE: "That backup code is not right, or was already used.",
  CODE_ALREADY_USED: "That code was already used. Wait for the next one and enter that.",
  ACCOUNT_TEMPORARILY_LOCKED: "Too many wrong codes. Wait 15 minutes, then try again.",
  INVALID_TWO_FACTOR_COOKIE: "This sign-in took too long. Go back and sign in again.",
  TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE: "Too many wrong codes for this sign-in. Go back and sign in again.",
  // Turning two-step verification on and off on the Account screen.
  CODE_REQUIRED: "Enter a code from your authenticator app, or one of your backup codes.",
  TOTP_ALREADY_ENABLED: "Two-step verification is already on.",
  TWO_FACTOR_NOT_ENABLED: "Two-step verification is off, so there is nothing to change. Reload the page.",
  // An admin endpoint refused again right after a step-up (auth/step-up.ts retries once, never more).
  INSUFFICIENT_USER_AUTHENTICATION: "Not done: the code was accepted, but the service still asks for a recent one. Try again.",
};

/** Refusals for a spent budget whose message from the service says how long to wait. */
const WAIT_MESSAGES = new Set(["TOO_MANY_FAILED_SIGN_INS", "TOO_MANY_WRONG_PASSWORDS"]);

export function describeAuthFailure(failure: AuthFailure): string {
  if (failure.code && MESSAGES[failure.code]) return MESSAGES[failure.code]!;
  // The account's failed sign-ins (or wrong re-entered passwords) are spent: the service's message says for how long.
  if (failure.code && WAIT_MESSAGES.has(failure.code) && failure.message) return failure.message;
  if (failure.status === 429) return "Too many attempts. Wait a minute, then try again.";
  if (!failure.status) return "Could not reach the server. Check your connection and try again.";
  if (failure.status >= 500) return "The sign-in service had a problem. Try again in a moment.";
  return failure.message || "That did not work. Check what you entered and try again.";
}

/** A Better Auth client call's answer: its data, or its failure with what to tell the user about it. */
export type AuthAnswer<T> = { data: T | null; failure: null; problem: null } | { data: null; failure: AuthFailure; problem: string };

/**
 * Runs a Better Auth client call (they answer `{ data, error }`): every call of the app goes through here, so a
 * failure reads the same everywhere. A call that throws got no answer at all: the network.
 */
export async function callAuth<T>(call: () => Promise<{ data?: T | null; error: AuthFailure | null }>): Promise<AuthAnswer<T>> {
  let answer: Awaited<ReturnType<typeof call>>;
  try {
    answer = await call();
  } catch (cause) {
    const failure: AuthFailure = { cause };
    return { data: null, failure, problem: describeAuthFailure(failure) };
  }
  if (answer.error) return { data: null, failure: answer.error, problem: describeAuthFailure(answer.error) };
  return { data: answer.data ?? null, failure: null, problem: null };
}
