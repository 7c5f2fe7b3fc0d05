// The one door to the Task table. Every function takes the owner's id and puts it in the WHERE clause
// of the statement that reads or writes, so a task that is not yours is never read, counted, changed
// or deleted, and looks exactly like one that does not exist (same single statement, same answer).
// Nothing outside server/src/tasks/ may touch the Task table: test/architecture.test.ts fails if it does. Under
// the door, row-level security is the second wall: every statement runs as the owner (owner-transaction.ts).
import type pg from "pg";
import { DatabaseError } from "pg";
import { poolOf, type SqlPool } from "../db/sql-pool.ts";
import type { Statement } from "../db/sql.ts";
import type { Task } from "../generated/prisma/client.ts";
import type { TaskEvent, TaskEvents } from "./task-events.ts";
import type { CreateTaskInput, UpdateTaskInput } from "./task-input.ts";
import { decodeCursor, encodeCursor, type TaskOrder } from "./task-order.ts";
import { runAsOwner } from "./owner-transaction.ts";
import { perOwnerConcurrency } from "./per-owner-concurrency.ts";
import { quotaExceededFrom, type TaskQuota } from "./task-quota.ts";
import {
  countAllTasks,
  countTasksOf,
  countStatement,
  deleteStatement,
  findStatement,
  insertStatement,
  pageStatement,
  updateStatement,
  type PageFilter,
} from "./task-sql.ts";

export interface TaskPageRequest {
  first: number;
  after?: string | null;
  filter?: PageFilter | null;
  order: TaskOrder;
}

export interface TaskPage {
  /** A cursor is built only when a client asks for it: `cursorOf(edge)`. */
  edges: { node: Task; order: TaskOrder }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Counted only when a client asks for it, and only up to TOTAL_COUNT_MAX. */
  totalCount: () => Promise<number>;
}

/** The owner no longer exists (a token outlived its account). */
export class OwnerNotFoundError extends Error {}

const FOREIGN_KEY_VIOLATION = "23503";

export function cursorOf(edge: TaskPage["edges"][number]): string {
  return encodeCursor(edge.order, edge.node);
}

export interface TaskStoreOptions {
  /** Without events (scripts, benchmarks of reads), writes publish nothing. */
  events?: TaskEvents;
  /** Without a quota (scripts, tests of other things), writes are counted but not limited. */
  quota?: TaskQuota;
  /** Statements one owner may have in flight at once (per-owner-concurrency.ts); absent: no cap. */
  inFlightPerOwner?: number;
  /** How long a statement may wait behind its owner's others before SERVICE_BUSY. */
  maxWaitMs?: number;
  /** Told of every write the quota refused (quota_refusals_total). */
  onQuotaRefused?: () => void;
}

export function createTaskStore(db: SqlPool, options: TaskStoreOptions = {}) {
  const pool = poolOf(db);
  const { events, quota } = options;
  const lanes =
    options.inFlightPerOwner === undefined
      ? undefined
      : perOwnerConcurrency({ maxInFlight: options.inFlightPerOwner, maxWaitMs: options.maxWaitMs });
  // Every statement: behind the owner's others, then as the owner under row-level security. A write the
  // usage trigger refused (nothing was written) comes out as QuotaExceededError, whichever write it was.
  const run = async <Row extends pg.QueryResultRow>(ownerId: string, statement: Statement) => {
    const work = () => runAsOwner<Row>(pool, ownerId, statement, quota);
    try {
      return await (lanes ? lanes.run(ownerId, work) : work());
    } catch (error) {
      const refused = quota && quotaExceededFrom(error, quota);
      if (refused) options.onQuotaRefused?.();
      throw refused || error;
    }
  };
  const rows = async (ownerId: string, statement: Statement) => (await run<Task>(ownerId, statement)).rows;
  // After the statement succeeded and changed a row: never for a write that failed or found nothing.
  const publish: TaskEvents["publish"] = (ownerId, event) => events?.publish(ownerId, event);
  return {
    /** Every statement is prepared SQL (task-sql.ts) with the owner in its WHERE clause. */
    async page(ownerId: string, request: TaskPageRequest): Promise<TaskPage> {
      const after = request.after ? decodeCursor(request.order, request.after) : null;
      const found = await rows(ownerId, pageStatement(ownerId, { ...request, after }));
      const hasNextPage = found.length > request.first;
      const edges = found.slice(0, request.first).map((node) => ({ node, order: request.order }));
      const first = edges[0];
      const last = edges.at(-1);
      return {
        edges,
        pageInfo: {
          hasNextPage,
          hasPreviousPage: Boolean(request.after),
          startCursor: first ? cursorOf(first) : null,
          endCursor: last ? cursorOf(last) : null,
        },
        totalCount: async () => (await run<{ count: number }>(ownerId, countStatement(ownerId, request.filter))).rows[0]?.count ?? 0,
      };
    },

    async find(ownerId: string, id: string): Promise<Task | null> {
      return (await rows(ownerId, findStatement(ownerId, id)))[0] ?? null;
    },

    async create(ownerId: string, input: CreateTaskInput): Promise<Task> {
      try {
        const [task] = await rows(ownerId, insertStatement(ownerId, input));
        if (!task) throw new Error("INSERT returned no row");
        publish(ownerId, { kind: "CREATED", taskId: task.id, task });
        return task;
      } catch (error) {
        if (error instanceof DatabaseError && error.code === FOREIGN_KEY_VIOLATION) throw new OwnerNotFoundError();
        throw error;
      }
    },

    /** One UPDATE ... WHERE id AND userId; null when no such task of this owner exists. */
    async update(ownerId: string, id: string, input: UpdateTaskInput): Promise<Task | null> {
      const task = (await rows(ownerId, updateStatement(ownerId, id, input)))[0] ?? null;
      if (task) publish(ownerId, { kind: "UPDATED", taskId: task.id, task });
      return task;
    },

    /** One DELETE ... WHERE id AND userId; false when no such task of this owner exists. */
    async delete(ownerId: string, id: string): Promise<boolean> {
      const deleted = (await run(ownerId, deleteStatement(ownerId, id))).rowCount === 1;
      if (deleted) publish(ownerId, { kind: "DELETED", taskId: id, task: null });
      return deleted;
    },

    /** The owner's live changes, from now on: only what this store wrote for this owner. */
    changes(ownerId: string): AsyncIterableIterator<TaskEvent> {
      if (!events) throw new Error("this task store was made without live events");
      return events.subscribe(ownerId);
    },

    /** Admin statistics: the only read that is not one owner's, and it returns a number, never a row. */
    countAllForAdmin(): Promise<number> {
      return countAllTasks(pool);
    },

    /** Admin screen: each listed user's number of tasks (0 when none), never a task's content. */
    async countsForAdmin(userIds: readonly string[]): Promise<number[]> {
      const counts = await countTasksOf(pool, userIds);
      return userIds.map((id) => counts.get(id) ?? 0);
    },
  };
}

export type TaskStore = ReturnType<typeof createTaskStore>;
