// "Recent security activity": the account's own audit events (the API returns only the viewer's), in words.
// What someone else did comes with who as a kind (`actor`), never their address or browser (the API does not
// send them); a run of failed sign-ins comes as one entry with its count and first and last time.
import { graphql } from "../gql/index.ts";
import type { AuditActor, AuditEventKind } from "../gql/graphql.ts";

export const SecurityEventsQuery = graphql(`
  query SecurityEvents($first: Int!, $after: String) {
    me {
      id
      securityEvents(first: $first, after: $after) {
        edges {
          node {
            id
            kind
            actor
            at
            firstAt
            count
            countCapped
            ipAddress
            userAgent
            detail
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

const WORDS: Record<AuditEventKind, string> = {
  SIGN_UP: "Account created",
  EMAIL_VERIFIED: "Email address verified",
  EMAIL_CHANGE_REQUESTED: "Email change asked for (waiting for the new address)",
  EMAIL_CHANGED: "Email address changed",
  EMAIL_CHANGE_UNDONE: "Email change undone from the old address",
  ACCOUNT_DELETED: "Account deleted",
  SIGN_IN: "Signed in",
  SIGN_IN_FAILED: "Failed sign-in attempt",
  SIGN_OUT: "Signed out",
  SESSION_ENDED: "A session was ended",
  PASSWORD_CHANGED: "Password changed",
  PASSWORD_RESET: "Password reset by mail",
  ROLE_GRANTED: "Admin role granted",
  ROLE_REVOKED: "Admin role removed",
  USER_BANNED: "Account banned",
  USER_UNBANNED: "Account unbanned",
  USER_SESSIONS_ENDED: "Every session ended",
  KEY_ROTATED: "Signing keys rotated",
  KEY_REVOKED: "A signing key was revoked",
  PASSWORD_CONFIRMATION_FAILED: "A wrong password was entered to change the account",
  SECOND_FACTOR_ENABLED: "Two-step verification turned on",
  SECOND_FACTOR_DISABLED: "Two-step verification turned off",
  BACKUP_CODES_REGENERATED: "New backup codes made (the old ones no longer work)",
  BACKUP_CODE_USED: "A backup code was used",
  PASSKEY_ADDED: "Passkey added",
  PASSKEY_REMOVED: "Passkey removed",
  STEP_UP_VERIFIED: "Confirmed it was you with your second factor",
};

const FAILURE_WORDS: Record<string, string> = {
  invalid_credentials: "wrong password",
  banned: "account banned",
  email_not_verified: "email not verified",
  account_locked: "too many failed attempts",
  invalid_code: "wrong code",
  code_reused: "a code that was already used",
  second_factor_locked: "too many wrong codes",
};

/**
 * How a sign-in was made (its `detail.method`), said when it was more than the password; rows from before the
 * method was recorded name `secondFactor` instead.
 */
const SIGN_IN_WORDS: Record<string, string> = {
  "password+totp": "Signed in with a code from the authenticator app",
  "password+backup_code": "Signed in with a backup code",
  passkey: "Signed in with a passkey",
};

/** Where a wrong code was typed (a failed sign-in's `detail.during`), when not at sign-in. */
const CODE_ASKED_WORDS: Record<string, string> = {
  step_up: "A code was refused when confirming it was you",
  turn_off: "A code was refused when turning off two-step verification",
};

function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;
}

/** Who did it, for what someone else did (your own events show your address and browser instead). */
const ACTOR_WORDS: Record<AuditActor, string | null> = {
  SELF: null,
  ADMINISTRATOR: "by an administrator",
  OPERATOR: "by an operator",
  ANONYMOUS: "by someone not signed in",
  SYSTEM: null, // the words say what did it: an expiry, a password reset
};

export function describeActor(actor: AuditActor): string | null {
  return ACTOR_WORDS[actor] ?? null;
}

export interface SecurityEventWords {
  kind: AuditEventKind;
  detail: string;
  actor: AuditActor;
  count?: number;
  countCapped?: boolean;
}

/** What happened, in one phrase: the kind, the class of a failure, what ended a session, how many failures. */
export function describeSecurityEvent(event: SecurityEventWords): string {
  let detail: Record<string, unknown> = {};
  try {
    detail = JSON.parse(event.detail) as Record<string, unknown>;
  } catch {
    // The words for the kind alone.
  }
  const words = WORDS[event.kind] ?? event.kind;
  if (event.kind === "SIGN_IN_FAILED" && (event.count ?? 1) > 1) {
    const count = (event.count ?? 1).toLocaleString("en-US");
    return event.countCapped ? `More than ${count} failed sign-in attempts` : `${count} failed sign-in attempts`;
  }
  if (event.kind === "SIGN_IN_FAILED" && typeof detail.reason === "string") {
    const reason = FAILURE_WORDS[detail.reason] ?? "refused";
    const asked = typeof detail.during === "string" ? CODE_ASKED_WORDS[detail.during] : undefined;
    return `${asked ?? words} (${reason})`;
  }
  if (event.kind === "SIGN_IN") {
    const method = typeof detail.method === "string" ? detail.method : `password+${String(detail.secondFactor)}`;
    return SIGN_IN_WORDS[method] ?? words;
  }
  if (event.kind === "BACKUP_CODE_USED") {
    const where = detail.during === "step_up" ? "to confirm it was you" : "to sign in";
    const left = typeof detail.remaining === "number" ? `: ${plural(detail.remaining, "code", "codes")} left` : "";
    return `${words} ${where}${left}`;
  }
  if (event.kind === "SECOND_FACTOR_DISABLED" && detail.method === "backup_code") return `${words} with a backup code`;
  if (event.kind === "SESSION_ENDED") {
    if (detail.by === "ban") return "A session was ended by a ban";
    if (detail.by === "password_change") return "A session was ended by a password change";
    if (detail.by === "password_reset") return "A session was ended by a password reset";
    if (detail.by === "account_deleted") return "A session was ended by deleting the account";
    if (detail.by === "email_change") return "A session was ended by an email change";
    if (detail.by === "email_change_undone") return "A session was ended by undoing an email change";
    if (detail.by === "second_factor_on") return "A session was renewed as two-step verification was turned on";
    if (detail.by === "second_factor_off") return "A session was ended by turning off two-step verification";
    if (detail.by === "backup_codes_renewed") return "A session was ended by new backup codes";
    if (detail.by === "passkey_removed") return "A session was ended by removing a passkey";
    if (detail.by === "expired") return "A session expired";
    if (event.actor === "SELF") return "You ended a session";
  }
  return words;
}
