// "Recent security activity": the account's own audit events (the API returns only the viewer's), in words.
import { graphql } from "../gql/index.ts";
import type { AuditEventKind } from "../gql/graphql.ts";

export const SecurityEventsQuery = graphql(`
  query SecurityEvents($first: Int!) {
    me {
      id
      securityEvents(first: $first) {
        edges {
          node {
            id
            kind
            at
            actorId
            ipAddress
            userAgent
            detail
          }
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
  USER_BANNED: "Account banned by an admin",
  USER_UNBANNED: "Account unbanned by an admin",
  USER_SESSIONS_ENDED: "Every session ended by an admin",
  KEY_ROTATED: "Signing keys rotated",
  KEY_REVOKED: "A signing key was revoked",
};

const FAILURE_WORDS: Record<string, string> = {
  invalid_credentials: "wrong password",
  banned: "account banned",
  email_not_verified: "email not verified",
  account_locked: "too many failed attempts",
};

/** What happened, in one phrase: the kind, and the class of a failure or who ended a session. */
export function describeSecurityEvent(event: { kind: AuditEventKind; detail: string; actorId?: string | null }, viewerId: string): string {
  let detail: Record<string, unknown> = {};
  try {
    detail = JSON.parse(event.detail) as Record<string, unknown>;
  } catch {
    // The words for the kind alone.
  }
  const words = WORDS[event.kind] ?? event.kind;
  if (event.kind === "SIGN_IN_FAILED" && typeof detail.reason === "string") {
    const where = detail.at === "change_email" ? ", changing the email" : "";
    return `${words} (${FAILURE_WORDS[detail.reason] ?? "refused"}${where})`;
  }
  if (event.kind === "SESSION_ENDED") {
    if (detail.by === "ban" || detail.by === "admin") return "A session was ended by an admin";
    if (detail.by === "password_change") return "A session was ended by a password change";
    if (detail.by === "password_reset") return "A session was ended by a password reset";
    if (detail.by === "account_deleted") return "A session was ended by deleting the account";
    if (detail.by === "email_change") return "A session was ended by an email change";
    if (detail.by === "email_change_undone") return "A session was ended by undoing an email change";
    if (detail.by === "expired") return "A session expired";
    if (event.actorId === viewerId) return "You ended a session";
  }
  return words;
}
