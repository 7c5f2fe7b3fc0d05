// Step-up (RFC 9470's model): the API and the auth service's admin endpoints refuse an admin whose second factor
// was last verified too long ago with INSUFFICIENT_USER_AUTHENTICATION. This module is the one place that
// recognises that refusal (in a GraphQL answer or a Better Auth answer), asks the person for a code or a passkey
// once however many requests were refused together, and retries a refused action once after they gave it. The dialog is
// step-up-dialog.tsx; GraphQL operations are retried by graphql/step-up-exchange.ts.
import type { CombinedError } from "@urql/core";
import type { AuthFailure } from "./auth-errors.ts";

export const STEP_UP_ERROR_CODE = "INSUFFICIENT_USER_AUTHENTICATION";

/** What the refusal asked for: a second factor verified within maxAgeSeconds (null when it did not say). */
export interface StepUpChallenge {
  maxAgeSeconds: number | null;
}

/** An admin action whose step-up dialog was cancelled (or could not be answered: two-step verification is off). */
export const STEP_UP_CANCELLED = "Not done: admin actions need your second step (a code or a passkey), given recently, and none was given.";

/** A read the API still refuses for want of a recent second factor (the dialog was cancelled). */
export const STEP_UP_NEEDED = "This needs your second step (a code or a passkey), given recently. Retry to give it.";

function challenge(code: unknown, maxAge: unknown): StepUpChallenge | null {
  if (code !== STEP_UP_ERROR_CODE) return null;
  return { maxAgeSeconds: typeof maxAge === "number" && maxAge >= 0 ? maxAge : null };
}

/** The API's field error `extensions: { code: "INSUFFICIENT_USER_AUTHENTICATION", acrValues, maxAge }`, if any. */
export function stepUpChallengeInGraphQL(error: CombinedError | undefined): StepUpChallenge | null {
  for (const graphQLError of error?.graphQLErrors ?? []) {
    const found = challenge(graphQLError.extensions?.code, graphQLError.extensions?.maxAge);
    if (found) return found;
  }
  return null;
}

/** The auth service's HTTP 403 `{ code: "INSUFFICIENT_USER_AUTHENTICATION", message, maxAge }`, if that is what failed. */
export function stepUpChallengeInAuthFailure(failure: AuthFailure | null | undefined): StepUpChallenge | null {
  if (!failure) return null;
  return challenge(failure.code, (failure as { maxAge?: unknown }).maxAge);
}

export type SecondFactorMethod = "totp" | "backup-code";

export interface StepUpOptions {
  /** Verifies a code for the current session (Better Auth's verify-totp or verify-backup-code): null, or the problem in words. */
  verify(method: SecondFactorMethod, code: string): Promise<string | null>;
  /**
   * Signs this person in again with one of their passkeys (auth/passkey-step-up.ts), the app carrying on in
   * that session: null, or the problem in words.
   */
  verifyWithPasskey(): Promise<string | null>;
  /** Gets a token issued after the verification (the store's replace, not a renewal already under way). */
  replaceToken(): Promise<unknown>;
}

export interface StepUp {
  /**
   * Asks the person for a second factor: true once they gave one and a new token is held, false when they cancelled.
   * Requests made while the dialog is open share it.
   */
  request(challenge: StepUpChallenge): Promise<boolean>;
  /** The open request, for the dialog; null when none. */
  current(): StepUpChallenge | null;
  subscribe(listener: () => void): () => void;
  /** The dialog's Verify: null once verified (every request is answered true), else the problem to show. */
  submit(method: SecondFactorMethod, code: string): Promise<string | null>;
  /** The dialog's "Use a passkey": as submit. */
  submitPasskey(): Promise<string | null>;
  /** The dialog's Cancel: every request is answered false. */
  cancel(): void;
}

export function createStepUp({ verify, verifyWithPasskey, replaceToken }: StepUpOptions): StepUp {
  let open: { challenge: StepUpChallenge; answer: Promise<boolean>; settle(verified: boolean): void } | null = null;
  const listeners = new Set<() => void>();
  const tell = () => {
    for (const listener of listeners) listener();
  };
  const close = (verified: boolean) => {
    const closing = open;
    open = null;
    closing?.settle(verified);
    tell();
  };

  // After either way of verifying: a new token (it says mfa and a fresh auth_time), then every request retried.
  async function verified(verification: Promise<string | null>): Promise<string | null> {
    const problem = await verification;
    if (problem) return problem;
    // A token that failed to come now is the retried request's to fetch (and to report, if the session ended).
    await replaceToken().catch(() => {});
    close(true);
    return null;
  }

  return {
    request(challenge) {
      if (open) return open.answer;
      let settle: (verified: boolean) => void = () => {};
      const answer = new Promise<boolean>((resolve) => {
        settle = resolve;
      });
      open = { challenge, answer, settle };
      tell();
      return answer;
    },
    current: () => open?.challenge ?? null,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    submit: (method, code) => verified(verify(method, code)),
    submitPasskey: () => verified(verifyWithPasskey()),
    cancel: () => close(false),
  };
}

/**
 * Runs an action; when its outcome asks for a second factor, asks for one and runs the action once more, whatever
 * that second outcome is (a second refusal is the caller's to report, not a loop of dialogs).
 */
export async function withStepUp<T>(
  stepUp: Pick<StepUp, "request">,
  action: () => Promise<T>,
  challengeOf: (outcome: T) => StepUpChallenge | null,
): Promise<{ outcome: T } | { cancelled: true }> {
  const first = await action();
  const asked = challengeOf(first);
  if (!asked) return { outcome: first };
  if (!(await stepUp.request(asked))) return { cancelled: true };
  return { outcome: await action() };
}
