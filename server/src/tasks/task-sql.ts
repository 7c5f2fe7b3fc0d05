// The SQL of the Task table, used only by task-store.ts: one named prepared statement per query shape,
// on Prisma's own pool. Prisma's query compiler cost more CPU than everything else in a request
// (benchmark profile), so the API's Task reads and writes are plain SQL. The owner is in every WHERE;
// values only ever travel as parameters; the text is built from fixed pieces.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { utc, type Statement } from "../db/sql.ts";
import type { Task } from "../generated/prisma/client.ts";
import type { CreateTaskInput, UpdateTaskInput } from "./task-input.ts";
import { orderSpec, type CursorPosition, type TaskOrder } from "./task-order.ts";

export interface PageFilter {
  completed?: boolean | null;
  search?: string | null;
}

/**
 * Every column of the Task model, in the order the statements read and insert them. Rows come back typed
 * as Prisma's `Task`, so this list must name every field of the model: the type below fails the build
 * when the generated model has a field not listed, and test/task-columns.test.ts compares the list with
 * the model's scalar fields.
 */
export const TASK_COLUMNS = [
  "id",
  "title",
  "description",
  "completed",
  "dueAt",
  "createdAt",
  "updatedAt",
  "userId",
] as const satisfies readonly (keyof Task)[];

type Nothing<T extends never> = T;
/** Compiles only while no field of the model is missing from TASK_COLUMNS. */
export type UnlistedTaskColumns = Nothing<Exclude<keyof Task, (typeof TASK_COLUMNS)[number]>>;

const COLUMNS = TASK_COLUMNS.map((column) => `"${column}"`).join(", ");

/**
 * A trigram index only helps a search with a run of three letters or digits (its trigrams); shorter text
 * is matched against the owner's own rows, which the quota bounds.
 */
const TRIGRAM_SEARCHABLE = /[\p{L}\p{N}]{3}/u;

/** totalCount counts this far and no further, so a count never rescans without bound. */
export const TOTAL_COUNT_MAX = 1_000;

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
    if (TRIGRAM_SEARCHABLE.test(search)) {
      // Through the trigram index: the migration *_task_search_index says why it takes a function.
      conditions.push(`"id" IN (SELECT "task_ids_matching"($${values.length}))`);
      shape += "i";
    } else {
      conditions.push(`("title" ILIKE $${values.length} OR "description" ILIKE $${values.length})`);
      shape += "s";
    }
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
  values.push(column === `"title"` ? position.value : utc(new Date(position.value)));
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
  values.push(TOTAL_COUNT_MAX);
  return {
    name: `tasks_count_${owned.shape}`,
    text: `SELECT count(*)::int AS "count" FROM (SELECT 1 FROM "task" WHERE ${owned.sql} LIMIT $${values.length}) AS "counted"`,
    values,
  };
}

export function findStatement(ownerId: string, id: string): Statement {
  return { name: "tasks_find", text: `SELECT ${COLUMNS} FROM "task" WHERE "id" = $1 AND "userId" = $2`, values: [id, ownerId] };
}

export function insertStatement(ownerId: string, input: CreateTaskInput, now = new Date()): Statement {
  return {
    name: "tasks_insert",
    text: `INSERT INTO "task" (${COLUMNS}) ` + `VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING ${COLUMNS}`,
    values: [randomUUID(), input.title, input.description, input.completed, input.dueAt ? utc(input.dueAt) : null, utc(now), ownerId],
  };
}

/** Only the fields given are set; a null dueAt clears it. */
export function updateStatement(ownerId: string, id: string, input: UpdateTaskInput, now = new Date()): Statement {
  const values: unknown[] = [id, ownerId, utc(now)];
  const assignments = [`"updatedAt" = $3`];
  let shape = "";
  const set = (column: string, value: unknown, letter: string) => {
    values.push(value);
    assignments.push(`"${column}" = $${values.length}`);
    shape += letter;
  };
  if (input.title !== undefined) set("title", input.title, "t");
  if (input.description !== undefined) set("description", input.description, "d");
  if (input.completed !== undefined) set("completed", input.completed, "c");
  if (input.dueAt !== undefined) set("dueAt", input.dueAt ? utc(input.dueAt) : null, "u");
  return {
    name: `tasks_update_${shape}`,
    text: `UPDATE "task" SET ${assignments.join(", ")} WHERE "id" = $1 AND "userId" = $2 RETURNING ${COLUMNS}`,
    values,
  };
}

export function deleteStatement(ownerId: string, id: string): Statement {
  return { name: "tasks_delete", text: `DELETE FROM "task" WHERE "id" = $1 AND "userId" = $2`, values: [id, ownerId] };
}

/** Counts across owners, through the SECURITY DEFINER functions the migrations made for them. */
export async function countAllTasks(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ count: number }>({
    name: "tasks_count_for_admin",
    text: `SELECT "task_count_for_admin"() AS "count"`,
  });
  return rows[0]?.count ?? 0;
}

/** How many tasks each of these users has (the admin screen's page of users); users with none are absent. */
export async function countTasksOf(pool: pg.Pool, userIds: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ userId: string; tasks: number }>({
    name: "tasks_counts_for_admin",
    text: `SELECT "userId", "tasks" FROM "task_counts_for_admin"($1::text[])`,
    values: [userIds],
  });
  return new Map(rows.map((row) => [row.userId, row.tasks]));
}
