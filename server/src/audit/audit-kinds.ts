// The security events the audit trail records. One list, used by the writers, the GraphQL enum and the
// tests (each kind is written once per event; audit-trail.test.ts checks every one it can cause).
export const AUDIT_EVENT_KINDS = [
  "SIGN_UP",
  "EMAIL_VERIFIED",
  "EMAIL_CHANGE_REQUESTED",
  "EMAIL_CHANGED",
  "EMAIL_CHANGE_UNDONE",
  "SIGN_IN",
  "SIGN_IN_FAILED",
  "SIGN_OUT",
  "SESSION_ENDED",
  "PASSWORD_CHANGED",
  "PASSWORD_CONFIRMATION_FAILED",
  "PASSWORD_RESET",
  "ROLE_GRANTED",
  "ROLE_REVOKED",
  "USER_BANNED",
  "USER_UNBANNED",
  "USER_SESSIONS_ENDED",
  "KEY_ROTATED",
  "KEY_REVOKED",
  "ACCOUNT_DELETED",
  "SECOND_FACTOR_ENABLED",
  "SECOND_FACTOR_DISABLED",
  "BACKUP_CODES_REGENERATED",
  "BACKUP_CODE_USED",
  "PASSKEY_ADDED",
  "PASSKEY_REMOVED",
  "STEP_UP_VERIFIED",
] as const;

export type AuditEventKind = (typeof AUDIT_EVENT_KINDS)[number];

/**
 * Who did it, as a kind: what a user's own list shows of an event someone else caused, in place of that
 * someone's id, session, address and browser (audit-store.ts decides it from what each writer records).
 */
export const AUDIT_ACTORS = [
  "SELF", // the account's own user, signed in
  "ADMINISTRATOR", // an admin, through the admin endpoints
  "OPERATOR", // an operator's command (pnpm admin:grant, keys:rotate, keys:revoke)
  "ANONYMOUS", // someone not signed in: a failed sign-in against the account's address
  "SYSTEM", // the service itself: an expiry, what a password reset or a secret change ended
] as const;

export type AuditActor = (typeof AUDIT_ACTORS)[number];

/**
 * Why a sign-in failed, as a class: never what was typed. The `*code*` and `second_factor_*` classes are a
 * second factor's code: wrong, already used, or refused unchecked because the account's second step is
 * locked; at the sign-in's second step, and also at step-up and when turning two-step verification off.
 */
export type SignInFailure =
  | "invalid_credentials"
  | "banned"
  | "email_not_verified"
  | "account_locked"
  | "invalid_code"
  | "code_reused"
  | "second_factor_locked"
  | "other";

/** Where a second factor's code was asked for (SIGN_IN_FAILED's `detail.during`). */
export type CodeAskedFor = "sign_in" | "step_up" | "turn_off";

/** How a sign-in was authenticated (SIGN_IN's `detail.method`). */
export type SignInMethod = "password" | "password+totp" | "password+backup_code" | "passkey";
