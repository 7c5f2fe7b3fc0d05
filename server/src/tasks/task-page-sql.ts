// The task list's read, as one named prepared statement per query shape. It is the API's hottest path,
// and Prisma's query compiler cost more CPU than everything else in a request (benchmark profile), so
// this read is plain SQL on Prisma's own pool. Owner first, always: "userId" = $1 opens every WHERE.
// Values only ever travel as parameters; the text is built from fixed pieces chosen by the order.
import pg from "pg";
import type { Task } from "../generated/prisma/client.ts";
import { orderSpec, type CursorPosition, type TaskOrder } from "./task-order.ts";

export interface PageFilter {
  completed?: boolean | null;
  search?: string | null;
}

interface Statement {
  name: string;
  text: string;
  values: unknown[];
}

const COLUMNS = `"id", "title", "description", "completed", "dueAt", "createdAt", "updatedAt", "userId"`;

// Prisma stores DateTime as timestamp(3) without time zone, in UTC. pg would read it as local time.
const TIMESTAMP_WITHOUT_TIME_ZONE = 1114;
const utcTimestamps = {
  getTypeParser: (oid: number, format?: "text" | "binary") =>
    oid === TIMESTAMP_WITHOUT_TIME_ZONE
      ? (value: string) => new Date(`${value.replace(" ", "T")}Z`)
      : pg.types.getTypeParser(oid, format),
};

function ownedAndFiltered(ownerId: string, filter: PageFilter | null | undefined, values: unknown[]): { sql: string; shape: string } {
  values.push(ownerId);
  const conditions = [`"userId" = $1`];
  let shape = "";
  if (typeof filter?.completed === "boolean") {
    values.push(filter.completed);
    conditions.push(`"completed" = $${values.length}`);
    shape += "c";
  }
  const search = filter?.search?.trim();
  if (search) {
    values.push(`%${search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`);
    conditions.push(`("title" ILIKE $${values.length} OR "description" ILIKE $${values.length})`);
    shape += "s";
  }
  return { sql: conditions.join(" AND "), shape };
}

/** Rows strictly after the cursor position in the order, ties broken by id. */
function seek(order: TaskOrder, position: CursorPosition, values: unknown[]): { sql: string; shape: string } {
  const { column, direction, nullable } = orderSpec(order);
  const beyond = direction === "desc" ? "<" : ">";
  values.push(position.id);
  const id = `$${values.length}`;
  if (position.value === null) return { sql: `(${column} IS NULL AND "id" ${beyond} ${id})`, shape: "n" };
  // A time goes as UTC text: pg would send a Date in the process's local time, and the column has no zone.
  values.push(column === `"title"` ? position.value : new Date(position.value).toISOString().replace("T", " ").replace("Z", ""));
  const value = `$${values.length}`;
  const later = nullable ? ` OR ${column} IS NULL` : "";
  return { sql: `(${column} ${beyond} ${value} OR (${column} = ${value} AND "id" ${beyond} ${id})${later})`, shape: "k" };
}

export function pageStatement(
  ownerId: string,
  request: { first: number; order: TaskOrder; filter?: PageFilter | null; after?: CursorPosition | null },
): Statement {
  const values: unknown[] = [];
  const owned = ownedAndFiltered(ownerId, request.filter, values);
  const after = request.after ? seek(request.order, request.after, values) : undefined;
  const { column, direction, nullable } = orderSpec(request.order);
  values.push(request.first + 1);
  return {
    name: `tasks_page_${request.order}_${owned.shape}_${after?.shape ?? ""}`,
    text:
      `SELECT ${COLUMNS} FROM "task" WHERE ${owned.sql}${after ? ` AND ${after.sql}` : ""} ` +
      `ORDER BY ${column} ${direction}${nullable ? " NULLS LAST" : ""}, "id" ${direction} LIMIT $${values.length}`,
    values,
  };
}

export function countStatement(ownerId: string, filter?: PageFilter | null): Statement {
  const values: unknown[] = [];
  const owned = ownedAndFiltered(ownerId, filter, values);
  return { name: `tasks_count_${owned.shape}`, text: `SELECT count(*)::int AS "count" FROM "task" WHERE ${owned.sql}`, values };
}

export async function queryTasks(pool: pg.Pool, statement: Statement): Promise<Task[]> {
  const { rows } = await pool.query<Task>({ ...statement, types: utcTimestamps });
  return rows;
}

export async function queryCount(pool: pg.Pool, statement: Statement): Promise<number> {
  const { rows } = await pool.query<{ count: number }>(statement);
  return rows[0]?.count ?? 0;
}
