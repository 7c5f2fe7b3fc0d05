// Keyset ("seek") pagination for each order. A cursor carries only the sort value and id of a task the
// caller was shown, never a reference the database looks up, so a cursor can only move through the
// caller's own rows: a forged or foreign cursor is just a position, and reveals nothing.
import type { Prisma } from "../generated/prisma/client.ts";

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

export class InvalidCursorError extends Error {}

interface SortableTask {
  id: string;
  createdAt: Date;
  dueAt: Date | null;
  title: string;
}

export function orderBy(order: TaskOrder): Prisma.TaskOrderByWithRelationInput[] {
  const { field, direction, nullable } = specs[order];
  const first = nullable ? { [field]: { sort: direction, nulls: "last" } } : { [field]: direction };
  return [first as Prisma.TaskOrderByWithRelationInput, { id: direction }];
}

export function encodeCursor(order: TaskOrder, task: SortableTask): string {
  const raw = task[specs[order].field];
  const value = raw instanceof Date ? raw.toISOString() : raw;
  return Buffer.from(JSON.stringify([order, value, task.id])).toString("base64url");
}

export function decodeCursor(order: TaskOrder, cursor: string): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw new InvalidCursorError();
  const [cursorOrder, value, id] = parsed as unknown[];
  const spec = specs[order];
  const valueOk =
    (value === null && spec.nullable) ||
    (typeof value === "string" && (spec.field === "title" || !Number.isNaN(Date.parse(value))));
  if (cursorOrder !== order || typeof id !== "string" || !valueOk) throw new InvalidCursorError();
  return { value: value as SortValue, id };
}

/** Rows strictly after the cursor position in the given order. */
export function after(order: TaskOrder, position: CursorPosition): Prisma.TaskWhereInput {
  const { field, direction, nullable } = specs[order];
  const beyond = direction === "desc" ? "lt" : "gt";
  const idBeyond = { id: { [beyond]: position.id } };
  if (position.value === null) return { [field]: null, ...idBeyond };
  const value = field === "title" ? position.value : new Date(position.value);
  const branches: Prisma.TaskWhereInput[] = [{ [field]: { [beyond]: value } }, { [field]: value, ...idBeyond }];
  if (nullable) branches.push({ [field]: null });
  return { OR: branches };
}
