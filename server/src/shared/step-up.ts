// Step-up (RFC 9470): what "a recent second factor" means, for the API (from a token's amr and auth_time)
// and for the auth service's admin endpoints (from the session row the token would be signed from). One
// rule, so the two services cannot disagree about who may use admin powers right now.

/**
 * The authentication context a caller is asked for (RFC 9470's acr_values): a session in which two factors
 * were verified, which the token says with the RFC 8176 method "mfa" in `amr`.
 */
export const STEP_UP_ACR_VALUES = "mfa";

/** The answer's code when the caller must verify a second factor again (RFC 9470's error, in our spelling). */
export const INSUFFICIENT_USER_AUTHENTICATION = "INSUFFICIENT_USER_AUTHENTICATION";

/**
 * Whether two factors were verified in this session, the latest no more than `maxAgeSeconds` ago.
 * `authTimeSeconds` is when (epoch seconds); a time ahead of `nowSeconds` (clocks a little apart) counts as now.
 */
export function secondFactorIsRecent(
  methods: readonly string[],
  authTimeSeconds: number | null,
  nowSeconds: number,
  maxAgeSeconds: number,
): boolean {
  if (!methods.includes("mfa") || authTimeSeconds === null) return false;
  return nowSeconds - authTimeSeconds <= maxAgeSeconds;
}
