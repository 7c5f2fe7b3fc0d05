// Why a token was refused, as a class: a closed set, so it can label a metric (auth_token_rejections_total,
// api/api-metrics.ts) and a span (verification-span.ts) without ever carrying the token, a claim or the
// refusal's text, which stays in the log.
import { errors } from "jose";
import { KeyRefusedError, KeysUnavailableError } from "./key-set.ts";
import { RevocationsUnavailableError } from "./revocation-feed.ts";

/** The verifier decides the first six; api/context.ts "dpop" (the proof); the last two are outages, not refusals. */
export const TOKEN_REJECTION_REASONS = [
  "malformed",
  "signature",
  "expired",
  "claims",
  "unknown_key",
  "revoked",
  "dpop",
  "keys_unavailable",
  "revocations_unavailable",
] as const;
export type TokenRejectionReason = (typeof TOKEN_REJECTION_REASONS)[number];

/** The token is not acceptable: answer 401 invalid_token. The message is for server logs only. */
export class InvalidTokenError extends Error {
  constructor(
    message: string,
    readonly reason: TokenRejectionReason = "claims",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** jose's refusal as a class. */
export function joseRejectionReason(error: unknown): TokenRejectionReason {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "signature";
  if (error instanceof KeyRefusedError || error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return "unknown_key";
  if (error instanceof errors.JWTClaimValidationFailed) return "claims";
  return "malformed";
}

/** Whatever verification threw, as a class: a refusal's own, or the outage that kept it from deciding. */
export function rejectionReasonOf(error: unknown): TokenRejectionReason {
  if (error instanceof KeysUnavailableError) return "keys_unavailable";
  if (error instanceof RevocationsUnavailableError) return "revocations_unavailable";
  if (error instanceof InvalidTokenError) return error.reason;
  return "malformed";
}
