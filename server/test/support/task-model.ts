// The task list's contract, computed in the test from the tasks a user owns: which tasks a filter keeps,
// the order each TaskOrder promises (ties broken by id, tasks without a due date last), and which tasks
// lie strictly after a cursor's position. Titles in tests that use TITLE are lower-case ASCII letters,
// which every PostgreSQL collation orders as plain text comparison does.
import type { TaskOrder } from "../../src/tasks/task-order.ts";
import type { TaskView } from "./task-operations.ts";

export type SortableTask = Pick<TaskView, "id" | "title" | "description" | "completed" | "dueAt" | "createdAt">;
export type Position = Pick<TaskView, "id" | "title" | "dueAt" | "createdAt">;

export interface ListFilter {
  completed?: boolean;
  search?: string;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const compareDue = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : compareText(a, b));

/** Negative when `a` comes before `b` in the order. */
export const compareIn: Record<TaskOrder, (a: Position, b: Position) => number> = {
  NEWEST_FIRST: (a, b) => compareText(b.createdAt, a.createdAt) || compareText(b.id, a.id),
  OLDEST_FIRST: (a, b) => compareText(a.createdAt, b.createdAt) || compareText(a.id, b.id),
  DUE_SOONEST: (a, b) => compareDue(a.dueAt, b.dueAt) || compareText(a.id, b.id),
  TITLE: (a, b) => compareText(a.title, b.title) || compareText(a.id, b.id),
};

export function matchesFilter(task: SortableTask, filter: ListFilter | undefined): boolean {
  if (filter?.completed !== undefined && task.completed !== filter.completed) return false;
  const search = filter?.search?.trim().toLowerCase();
  return !search || task.title.toLowerCase().includes(search) || task.description.toLowerCase().includes(search);
}

/** The ids a list of `own` tasks must show: filtered, in order, strictly after `after` when given. */
export function expectedIds(own: SortableTask[], request: { orderBy: TaskOrder; filter?: ListFilter; after?: Position | null }): string[] {
  const compare = compareIn[request.orderBy];
  return own
    .filter((task) => matchesFilter(task, request.filter))
    .filter((task) => !request.after || compare(task, request.after) > 0)
    .sort(compare)
    .map((task) => task.id);
}
