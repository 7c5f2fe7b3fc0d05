// Every error the API shows a client, in one place, so codes and messages stay the same everywhere.
// Anything that is not one of these is masked by Yoga as "Unexpected error.".
import { GraphQLError } from "graphql";
import { INSUFFICIENT_USER_AUTHENTICATION, STEP_UP_ACR_VALUES } from "../shared/step-up.ts";

const WWW_AUTHENTICATE_INVALID_TOKEN = 'Bearer error="invalid_token", error_description="The access token is invalid or expired"';
const WWW_AUTHENTICATE_INVALID_REQUEST =
  'Bearer error="invalid_request", error_description="Send the token as: Authorization: Bearer <token>"';

/** The DPoP challenge's algorithms (RFC 9449 7.1): what a proof may be signed with. */
const DPOP_ALGS = 'algs="ES256"';
const WWW_AUTHENTICATE_INVALID_DPOP_TOKEN = `DPoP error="invalid_token", error_description="The access token is invalid, expired or not bound to a DPoP key", ${DPOP_ALGS}`;
const WWW_AUTHENTICATE_INVALID_DPOP_PROOF = `DPoP error="invalid_dpop_proof", error_description="The DPoP proof is missing or not acceptable", ${DPOP_ALGS}`;

/**
 * RFC 6750: a token was presented and it is not good. HTTP 401, no data. `challenge: "DPoP"` when the token came
 * with the DPoP scheme, was bound but came as Bearer, or when only bound tokens are taken (RFC 9449 7.1).
 */
export function invalidToken(challenge: "Bearer" | "DPoP" = "Bearer"): GraphQLError {
  return new GraphQLError("Invalid or expired token.", {
    extensions: {
      code: "INVALID_TOKEN",
      http: {
        status: 401,
        headers: { "WWW-Authenticate": challenge === "DPoP" ? WWW_AUTHENTICATE_INVALID_DPOP_TOKEN : WWW_AUTHENTICATE_INVALID_TOKEN },
      },
    },
  });
}

/** RFC 9449 7.1: the DPoP proof beside a bound token is missing or fails a check. HTTP 401, no data. */
export function invalidDpopProof(): GraphQLError {
  return new GraphQLError("Missing or invalid DPoP proof.", {
    extensions: {
      code: "INVALID_DPOP_PROOF",
      http: { status: 401, headers: { "WWW-Authenticate": WWW_AUTHENTICATE_INVALID_DPOP_PROOF } },
    },
  });
}

/** RFC 6750: the Authorization header is malformed (not one Bearer or DPoP token). HTTP 400, no data. */
export function invalidAuthorizationRequest(): GraphQLError {
  return new GraphQLError("Malformed Authorization header: expected 'Bearer <token>'.", {
    extensions: {
      code: "INVALID_REQUEST",
      http: { status: 400, headers: { "WWW-Authenticate": WWW_AUTHENTICATE_INVALID_REQUEST } },
    },
  });
}

/** The signing keys cannot be fetched: the token may be fine, so not 401. */
export function authUnavailable(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError("Authentication is temporarily unavailable. Try again shortly.", {
    extensions: {
      code: "AUTH_UNAVAILABLE",
      http: { status: 503, headers: { "Retry-After": String(retryAfterSeconds) } },
    },
  });
}

/** The database is too busy to answer in time (a statement ran too long, or no connection came free). */
export function serviceBusy(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError("The service is busy. Try again shortly.", {
    extensions: {
      code: "SERVICE_BUSY",
      http: { status: 503, headers: { "Retry-After": String(retryAfterSeconds) } },
    },
  });
}

/** Too many requests from this user or address. HTTP 429, no data. */
export function rateLimited(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError("Too many requests. Try again shortly.", {
    extensions: {
      code: "RATE_LIMITED",
      http: { status: 429, headers: { "Retry-After": String(retryAfterSeconds) } },
    },
  });
}

/** Too many live streams open at once for this user or address (api/stream-limits.ts). */
export function tooManyStreams(): GraphQLError {
  return new GraphQLError("Too many live update streams are open. Close one and try again.", {
    extensions: { code: "RATE_LIMITED", http: { status: 429, headers: { "Retry-After": "5" } } },
  });
}

export function unauthenticated(): GraphQLError {
  return new GraphQLError("You must be signed in.", { extensions: { code: "UNAUTHENTICATED" } });
}

export function forbidden(): GraphQLError {
  return new GraphQLError("You are not allowed to do this.", { extensions: { code: "FORBIDDEN" } });
}

/**
 * RFC 9470: the token is good, but the field asks for a second factor verified more recently than this
 * session's (or for one at all). acrValues and maxAge are the RFC's parameters: what to verify, and how
 * recently (seconds). The client verifies a code, fetches a new token and asks again (server/CONTRACT.md).
 */
export function insufficientUserAuthentication(maxAgeSeconds: number): GraphQLError {
  return new GraphQLError("Confirm it is you with your second factor to do this.", {
    extensions: { code: INSUFFICIENT_USER_AUTHENTICATION, acrValues: STEP_UP_ACR_VALUES, maxAge: maxAgeSeconds },
  });
}

/** The same answer for a task that does not exist and a task that is not yours. */
export function taskNotFound(): GraphQLError {
  return new GraphQLError("Task not found.", { extensions: { code: "NOT_FOUND" } });
}

export function badUserInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", ...(field ? { field } : {}) } });
}

/** The account is full (tasks/task-quota.ts); the message says which limit and how much it is. */
export function quotaExceeded(message: string, limit: "tasks" | "text"): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "QUOTA_EXCEEDED", limit } });
}
