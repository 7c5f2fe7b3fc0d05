// The API's door to the audit trail: reads only. A user's own events run as the owner-scoped role with
// app.user_id set (the table's policy admits only rows about that user, and the WHERE names them too:
// two walls, as for tasks), masked and grouped by own-activity-statement.ts; the admin's list runs as
// tasks_audit_reader, whose policy admits every row, and shows every column. Newest first, keyset cursors
// (time, id) checked before any SQL.
import { poolOf, type SqlPool } from "../db/sql-pool.ts";
import { runScoped } from "../db/scoped-transaction.ts";
import { utc, type Statement } from "../db/sql.ts";
import { InvalidCursorError, isCursorTime, isStoredText, readCursorArray } from "../shared/cursor-values.ts";
import type { AuditActor, AuditEventKind } from "./audit-kinds.ts";
import { ACTOR, ownActivityStatement } from "./own-activity-statement.ts";

export interface AuditEventRow {
  id: string;
  at: Date;
  kind: AuditEventKind;
  /** Who did it, as a kind: on a user's own list, all that is said of someone else. */
  actor: AuditActor;
  /** Null on a user's own list for an event they did not cause; so are the next three. */
  actorId: string | null;
  subjectId: string | null;
  sessionId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
  /** How many events this entry stands for: above 1 only for a run of failed sign-ins on a user's own list. */
  count: number;
  /** The run held more than `count` (RUN_COUNT_MAX) events. */
  countCapped: boolean;
  /** The oldest member's time and id (the row's own for a single event): where the next page starts. */
  firstAt: Date;
  firstId: string;
}

export interface AuditPage {
  rows: AuditEventRow[];
  hasNextPage: boolean;
}

export interface AuditFilter {
  kind?: AuditEventKind | null;
  userId?: string | null;
}

const CURSOR_KIND = "audit";
const COLUMNS = `"id", "at", "kind", ${ACTOR} AS "actor", "actorId", "subjectId", "sessionId", "ipAddress", "userAgent", "detail",
  1 AS "count", false AS "countCapped", "at" AS "firstAt", "id" AS "firstId"`;
const ORDER = `ORDER BY "at" DESC, "id" DESC`;

export function encodeAuditCursor(row: Pick<AuditEventRow, "firstAt" | "firstId">): string {
  return Buffer.from(JSON.stringify([CURSOR_KIND, row.firstAt.toISOString(), row.firstId])).toString("base64url");
}

function decodeAuditCursor(cursor: string): { at: string; id: string } {
  const [kind, at, id] = readCursorArray(cursor, 3) ?? [];
  if (kind !== CURSOR_KIND || typeof at !== "string" || !isCursorTime(at) || typeof id !== "string" || !isStoredText(id, 64)) {
    throw new InvalidCursorError();
  }
  return { at: utc(new Date(at)), id };
}

/** WHERE clauses and values for the filter and cursor; placeholders are numbered from `first`. */
function conditions(filter: { subjectId?: string | null; kind?: string | null }, after: string | null | undefined) {
  const clauses: string[] = [];
  const values: unknown[] = [];
  const add = (clause: (n: number) => string, value: unknown) => {
    values.push(value);
    clauses.push(clause(values.length));
  };
  if (filter.subjectId) add((n) => `"subjectId" = $${n}`, filter.subjectId);
  if (filter.kind) add((n) => `"kind" = $${n}`, filter.kind);
  if (after) {
    const position = decodeAuditCursor(after);
    values.push(position.at, position.id);
    clauses.push(`("at", "id") < ($${values.length - 1}::timestamp(3), $${values.length})`);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(" AND ")}` : "", values };
}

function pageStatement(
  name: string,
  filter: { subjectId?: string | null; kind?: string | null },
  first: number,
  after?: string | null,
): Statement {
  const { where, values } = conditions(filter, after);
  const shape = `${filter.subjectId ? "u" : ""}${filter.kind ? "k" : ""}${after ? "a" : ""}`;
  return {
    name: `${name}_${shape || "all"}`,
    text: `SELECT ${COLUMNS} FROM "audit_event" ${where} ${ORDER} LIMIT $${values.length + 1}`,
    values: [...values, first + 1],
  };
}

const AS_OWNER_READER: Omit<Statement, "values"> = {
  name: "audit_as_owner",
  text: "SELECT set_config('role', 'tasks_api_owner_scoped', true), set_config('app.user_id', $1, true)",
};
const AS_AUDIT_READER: Statement = { name: "audit_as_reader", text: "SELECT set_config('role', 'tasks_audit_reader', true)", values: [] };

export function createAuditStore(db: SqlPool) {
  const pool = poolOf(db);
  const page = async (frame: Statement, statement: Statement, first: number): Promise<AuditPage> => {
    const { rows } = await runScoped<AuditEventRow>(pool, frame, statement);
    return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
  };
  return {
    /**
     * The events about this user, and no one else's (the policy and the WHERE both say so); what others did
     * without their identity, session, address or browser; runs of failed sign-ins as one entry each.
     */
    pageForOwner(ownerId: string, first: number, after?: string | null): Promise<AuditPage> {
      const frame = { ...AS_OWNER_READER, values: [ownerId] };
      return page(frame, ownActivityStatement(ownerId, first, after ? decodeAuditCursor(after) : null), first);
    },
    /** Every event, optionally of one kind or about one user: the admin's list. */
    pageForAdmin(filter: AuditFilter, first: number, after?: string | null): Promise<AuditPage> {
      return page(AS_AUDIT_READER, pageStatement("audit_all", { subjectId: filter.userId, kind: filter.kind }, first, after), first);
    },
  };
}

export type AuditStore = ReturnType<typeof createAuditStore>;
