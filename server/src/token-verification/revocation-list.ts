// The revocation events in force, held in memory: what the verifier asks about every request (verified-token
// cache hits included), so the answer is a few Map lookups, never a query. It knows nothing of where events
// come from (revocation-connection.ts feeds it) nor whether it is current (revocation-feed.ts decides).
import type { RevocationEvent } from "./revocation-events.ts";

/** What the list needs to know about a verified token. */
export interface TokenIdentity {
  sessionId: string;
  userId: string;
  role: string;
  /** Seconds since the epoch, as in the token. */
  issuedAt: number;
  keyId?: string;
}

export interface RevocationListOptions {
  /** The oldest token the verifier accepts (max token age plus clock tolerance): older events cannot matter. */
  horizonMs: number;
  /**
   * A margin for role changes, whose window only ever catches tokens that carry a role the user lost. The
   * comparison itself is exact (iat and the event are both database time, and /token reads the role under
   * the row's lock); the margin covers tokens signed before the auth service took iat from the database.
   */
  clockToleranceMs: number;
}

export interface RevocationList {
  /** Holds one event; listeners hear of it at the next `notifyChanged()`. */
  add(event: RevocationEvent): void;
  /** Forgets events older than the oldest acceptable token (`now` is the database's clock); keys stay. */
  prune(now: number): void;
  isRevoked(token: TokenIdentity): boolean;
  isKeyRevoked(kid: string): boolean;
  /** Tells every listener that revocations arrived. */
  notifyChanged(): void;
  /** Calls `listener` after revocations arrive; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}

const ROLE_RANK: Record<string, number> = { user: 0, admin: 1 };

function outranks(tokenRole: string, currentRole: string): boolean {
  return (ROLE_RANK[tokenRole] ?? 0) > (ROLE_RANK[currentRole] ?? 0);
}

export function createRevocationList(options: RevocationListOptions): RevocationList {
  // By what each kind names; times in milliseconds. For a user, the latest event wins.
  const sessions = new Map<string, number>(); // sid -> occurredAt
  const keys = new Set<string>();
  const userTokensUpTo = new Map<string, number>(); // sub -> occurredAt
  const userRoles = new Map<string, { role: string; occurredAt: number }>();
  const listeners = new Set<() => void>();

  return {
    add(event) {
      switch (event.kind) {
        case "session-revoked":
          sessions.set(event.subject, event.occurredAt);
          break;
        case "key-revoked":
          keys.add(event.subject);
          break;
        case "tokens-revoked":
          if ((userTokensUpTo.get(event.subject) ?? -Infinity) < event.occurredAt) userTokensUpTo.set(event.subject, event.occurredAt);
          break;
        case "claims-changed":
          if ((userRoles.get(event.subject)?.occurredAt ?? -Infinity) < event.occurredAt) {
            userRoles.set(event.subject, { role: event.role, occurredAt: event.occurredAt });
          }
          break;
      }
    },

    prune(now) {
      const horizon = now - options.horizonMs;
      for (const [sid, at] of sessions) if (at < horizon) sessions.delete(sid);
      for (const [sub, at] of userTokensUpTo) if (at < horizon) userTokensUpTo.delete(sub);
      for (const [sub, entry] of userRoles) if (entry.occurredAt < horizon) userRoles.delete(sub);
    },

    isRevoked(token) {
      if (sessions.has(token.sessionId)) return true;
      if (token.keyId !== undefined && keys.has(token.keyId)) return true;
      const issuedAtMs = token.issuedAt * 1000;
      // iat has whole seconds: a token from the same second as the event counts as issued before it.
      const upTo = userTokensUpTo.get(token.userId);
      if (upTo !== undefined && issuedAtMs <= upTo) return true;
      // A role change ends only tokens that claim more than the user now has: a token from before a
      // promotion keeps its lesser role, and the next token carries the new one.
      const role = userRoles.get(token.userId);
      return role !== undefined && outranks(token.role, role.role) && issuedAtMs <= role.occurredAt + options.clockToleranceMs;
    },

    isKeyRevoked(kid) {
      return keys.has(kid);
    },

    notifyChanged() {
      for (const listener of listeners) listener();
    },

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
