// Keyset ("seek") pagination for each order; the SQL is in task-sql.ts. A cursor carries only the
// sort value and id of a task the caller was shown, never a reference the database looks up, so a
// cursor can only move through the caller's own rows: a forged or foreign cursor is just a position.
import { InvalidCursorError, isCursorTime, isStoredText, readCursorArray } from "../shared/cursor-values.ts";
import { TITLE_MAX } from "./task-input.ts";

export const taskOrders = ["NEWEST_FIRST", "OLDEST_FIRST", "DUE_SOONEST", "TITLE"] as const;
export type TaskOrder = (typeof taskOrders)[number];

type SortField = "createdAt" | "dueAt" | "title";
type SortValue = string | null;

interface OrderSpec {
  field: SortField;
  direction: "asc" | "desc";
  /** Only dueAt may be null; nulls come last. */
  nullable: boolean;
}

/** The order's sort column (quoted, for SQL), direction and nullability; ties are broken by id. */
export function orderSpec(order: TaskOrder): OrderSpec & { column: string } {
  const spec = specs[order];
  return { ...spec, column: `"${spec.field}"` };
}

const specs: Record<TaskOrder, OrderSpec> = {
  NEWEST_FIRST: { field: "createdAt", direction: "desc", nullable: false },
  OLDEST_FIRST: { field: "createdAt", direction: "asc", nullable: false },
  DUE_SOONEST: { field: "dueAt", direction: "asc", nullable: true },
  TITLE: { field: "title", direction: "asc", nullable: false },
};

export interface CursorPosition {
  value: SortValue;
  id: string;
}

interface SortableTask {
  id: string;
  createdAt: Date;
  dueAt: Date | null;
  title: string;
}

export function encodeCursor(order: TaskOrder, task: SortableTask): string {
  const raw = task[specs[order].field];
  const value = raw instanceof Date ? raw.toISOString() : raw;
  return Buffer.from(JSON.stringify([order, value, task.id])).toString("base64url");
}

export function decodeCursor(order: TaskOrder, cursor: string): CursorPosition {
  const parsed = readCursorArray(cursor, 3);
  if (!parsed) throw new InvalidCursorError();
  const [cursorOrder, value, id] = parsed;
  const spec = specs[order];
  const valueOk =
    (value === null && spec.nullable) ||
    (typeof value === "string" && (spec.field === "title" ? isStoredText(value, TITLE_MAX) : isCursorTime(value)));
  if (cursorOrder !== order || typeof id !== "string" || !isStoredText(id, MAX_ID_LENGTH) || !valueOk) throw new InvalidCursorError();
  return { value: value as SortValue, id };
}

/** Task ids are UUIDs; anything much longer was never handed out. */
const MAX_ID_LENGTH = 64;
