// Turns what went wrong with a GraphQL request into something a person can act on.
import type { CombinedError } from "@urql/core";
import { SessionEndedError, TokenUnavailableError } from "../auth/token-store.ts";
import { STEP_UP_NEEDED, stepUpChallengeInGraphQL } from "../auth/step-up.ts";
import { isAuthError } from "./auth-exchange.ts";

export type ProblemKind = "network" | "session" | "step-up" | "input" | "not-found" | "unavailable" | "server";

export interface Problem {
  kind: ProblemKind;
  message: string;
  /** For input problems: the input field the server named (e.g. "title"). */
  field?: string;
  /** Trying again may help (the user gets a Retry button). */
  retryable: boolean;
}

export function describeProblem(error: CombinedError): Problem {
  const network = error.networkError;
  if (network instanceof SessionEndedError) {
    return { kind: "session", message: "Your session has ended. Sign in again to continue.", retryable: false };
  }
  if (network instanceof TokenUnavailableError) {
    if (network.reason === "key-proof") {
      // A proof this browser just signed was refused: its time (iat) is the likeliest cause.
      return {
        kind: "network",
        message: "The sign-in service did not accept this browser's signature. Check that this computer's clock is right, then try again.",
        retryable: true,
      };
    }
    // The auth service is down or unreachable: nothing was sent to the API, forms keep what was typed (drafts), and
    // screens load again when the live stream reopens, which it does by itself (live/live-updates.tsx).
    return {
      kind: "unavailable",
      message:
        "Signing in is unavailable right now, so your tasks cannot be loaded or saved. Nothing you typed is lost: this page loads again by itself once it is back.",
      retryable: true,
    };
  }
  // What reaches a screen was cancelled in the step-up dialog, or refused again after it (graphql/step-up-exchange.ts).
  if (stepUpChallengeInGraphQL(error)) return { kind: "step-up", message: STEP_UP_NEEDED, retryable: true };
  const first = error.graphQLErrors[0];
  const code = String(first?.extensions?.code ?? "");
  if (code === "BAD_USER_INPUT") {
    const field = first?.extensions?.field;
    return {
      kind: "input",
      message: first?.message ?? "Check what you entered.",
      field: typeof field === "string" ? field : undefined,
      retryable: false,
    };
  }
  if (code === "NOT_FOUND") {
    return { kind: "not-found", message: "Task not found. It may have been deleted.", retryable: false };
  }
  if (code === "RATE_LIMITED") {
    return { kind: "unavailable", message: "Too many requests in a short time. Wait a moment, then try again.", retryable: true };
  }
  if (code === "AUTH_UNAVAILABLE") {
    return { kind: "unavailable", message: "Sign-in checks are briefly unavailable. Try again in a few seconds.", retryable: true };
  }
  if (isAuthError(error)) {
    return { kind: "session", message: "Your sign-in could not be verified. Try again, or sign out and back in.", retryable: true };
  }
  const status = (error.response as Response | undefined)?.status ?? 0;
  if (network && status < 500) {
    return { kind: "network", message: "Could not reach the server. Check your connection and try again.", retryable: true };
  }
  return { kind: "server", message: "Something went wrong on the server. Try again.", retryable: true };
}
