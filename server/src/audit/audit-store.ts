// The API's door to the audit trail: reads only. A user's own events run as the owner-scoped role with
// app.user_id set (the table's policy admits only rows about that user, and the WHERE names them too:
// two walls, as for tasks); the admin's list runs as tasks_audit_reader, whose policy admits every row.
// Newest first, keyset cursors (time, id) checked before any SQL.
import { poolOf, type Db } from "../db/client.ts";
import { runScoped } from "../db/scoped-transaction.ts";
import { utc, type Statement } from "../db/sql.ts";
import { InvalidCursorError, isCursorTime, isStoredText, readCursorArray } from "../shared/cursor-values.ts";
import type { AuditEventKind } from "./audit-kinds.ts";

export interface AuditEventRow {
  id: string;
  at: Date;
  kind: AuditEventKind;
  actorId: string | null;
  subjectId: string | null;
  sessionId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
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
const COLUMNS = `"id", "at", "kind", "actorId", "subjectId", "sessionId", "ipAddress", "userAgent", "detail"`;
const ORDER = `ORDER BY "at" DESC, "id" DESC`;

export function encodeAuditCursor(row: Pick<AuditEventRow, "at" | "id">): string {
  return Buffer.from(JSON.stringify([CURSOR_KIND, row.at.toISOString(), row.id])).toString("base64url");
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

export function createAuditStore(db: Db) {
  const pool = poolOf(db);
  const page = async (frame: Statement, statement: Statement, first: number): Promise<AuditPage> => {
    const { rows } = await runScoped<AuditEventRow>(pool, frame, statement);
    return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
  };
  return {
    /** The events about this user, and no one else's (the policy and the WHERE both say so). */
    pageForOwner(ownerId: string, first: number, after?: string | null): Promise<AuditPage> {
      const frame = { ...AS_OWNER_READER, values: [ownerId] };
      return page(frame, pageStatement("audit_own", { subjectId: ownerId }, first, after), first);
    },
    /** Every event, optionally of one kind or about one user: the admin's list. */
    pageForAdmin(filter: AuditFilter, first: number, after?: string | null): Promise<AuditPage> {
      return page(AS_AUDIT_READER, pageStatement("audit_all", { subjectId: filter.userId, kind: filter.kind }, first, after), first);
    },
  };
}

export type AuditStore = ReturnType<typeof createAuditStore>;
