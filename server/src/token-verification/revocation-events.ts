// The revocation_event table, read side and upkeep. Rows are written by database triggers in the same
// transaction as the change they record (see prisma/migrations/*_revocation_events): a deleted session,
// a banned or deleted user, a changed role, a deleted signing key. Every API instance reads them through
// revocation-feed.ts; the auth service prunes what no live token can be affected by.
import type pg from "pg";
import type { Db } from "../db/client.ts";

export type RevocationEvent =
  /** Every token of this session (`sid`). */
  | { kind: "session-revoked"; subject: string; occurredAt: number }
  /** Every token of this user (`sub`) issued up to `occurredAt` (ban, account deletion). */
  | { kind: "tokens-revoked"; subject: string; occurredAt: number }
  /** Tokens of this user issued up to `occurredAt` whose `role` is not `role` any more. */
  | { kind: "claims-changed"; subject: string; role: "user" | "admin"; occurredAt: number }
  /** Every token signed with this key (`kid`), whenever it was issued. Kept for good. */
  | { kind: "key-revoked"; subject: string; occurredAt: number };

/** Every kind of event (server/CONTRACT.md, "Revocation"); the table's check constraint lists the same. */
export const REVOCATION_EVENT_KINDS = ["session-revoked", "tokens-revoked", "claims-changed", "key-revoked"] as const;

/** The channel the table's trigger NOTIFYs on, one event's JSON (the payload shape) per notification. */
export const REVOCATION_CHANNEL = "revocation_events";

/**
 * Every event that can still matter: key revocations, and the rest from the last `horizonMs` (tokens
 * older than that are refused by their age alone).
 */
export async function readLiveEvents(client: pg.Client, horizonMs: number): Promise<RevocationEvent[]> {
  const { rows } = await client.query<{ event: unknown }>({
    text:
      `SELECT "revocation_event_payload"(e) AS "event" FROM "revocation_event" e ` +
      `WHERE e."kind" = 'key-revoked' OR e."occurredAt" > now() - make_interval(secs => $1::double precision / 1000)`,
    values: [horizonMs],
  });
  return rows.map((row) => parseEvent(row.event)).filter((event) => event !== null);
}

/**
 * The database's clock (epoch ms): the clock events are stamped with and tokens' iat is taken from
 * (auth/token-claims.ts), so the API checks tokens and prunes events by it, whatever its host's clock says.
 */
export async function readDatabaseTime(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ now: number }>(`SELECT extract(epoch FROM clock_timestamp())::float8 * 1000 AS "now"`);
  return rows[0]!.now;
}

/**
 * Deletes the rows no token can be affected by any more: older than `retentionMs` by the database's clock
 * (the one they were stamped with, not the auth service's host), keys excepted.
 */
export async function pruneRevocationEvents(db: Db, retentionMs: number): Promise<number> {
  return db.$executeRaw`
    DELETE FROM "revocation_event"
    WHERE "kind" <> 'key-revoked' AND "occurredAt" < clock_timestamp() - make_interval(secs => ${retentionMs}::double precision / 1000)`;
}

/** One event from the payload shape (JSON text from NOTIFY, or the object pg parsed); null if foreign. */
export function parseEvent(raw: unknown): RevocationEvent | null {
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  if (typeof value !== "object" || value === null) return null;
  const { kind, subject, role, occurredAt } = value as Record<string, unknown>;
  if (typeof subject !== "string" || typeof occurredAt !== "number") return null;
  switch (kind) {
    case "session-revoked":
    case "tokens-revoked":
    case "key-revoked":
      return { kind, subject, occurredAt };
    case "claims-changed":
      return role === "user" || role === "admin" ? { kind, subject, role, occurredAt } : null;
    default:
      return null;
  }
}
