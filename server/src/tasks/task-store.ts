// The one door to the Task table. Every function takes the owner's id and puts it in the WHERE clause
// of the statement that reads or writes, so a task that is not yours is never read, counted, changed
// or deleted, and looks exactly like one that does not exist (same single statement, same answer).
// Nothing outside server/src/tasks/ may touch db.task: test/architecture.test.ts fails if it does.
import type { Db } from "../db/client.ts";
import { Prisma, type Task } from "../generated/prisma/client.ts";
import type { CreateTaskInput, UpdateTaskInput } from "./task-input.ts";
import { after, decodeCursor, encodeCursor, orderBy, type TaskOrder } from "./task-order.ts";

export interface TaskFilter {
  completed?: boolean | null;
  search?: string | null;
}

export interface TaskPageRequest {
  first: number;
  after?: string | null;
  filter?: TaskFilter | null;
  order: TaskOrder;
}

export interface TaskPage {
  edges: { cursor: string; node: Task }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Counted only when a client asks for it. */
  totalCount: () => Promise<number>;
}

/** The owner no longer exists (a token outlived its account). */
export class OwnerNotFoundError extends Error {}

export function createTaskStore(db: Db) {
  function ownedAndFiltered(ownerId: string, filter?: TaskFilter | null): Prisma.TaskWhereInput {
    const where: Prisma.TaskWhereInput = { userId: ownerId };
    if (typeof filter?.completed === "boolean") where.completed = filter.completed;
    const search = filter?.search?.trim();
    if (search) {
      where.OR = [
        { title: { contains: search, mode: "insensitive" } },
        { description: { contains: search, mode: "insensitive" } },
      ];
    }
    return where;
  }

  return {
    async page(ownerId: string, request: TaskPageRequest): Promise<TaskPage> {
      const where = ownedAndFiltered(ownerId, request.filter);
      const seek = request.after ? after(request.order, decodeCursor(request.order, request.after)) : undefined;
      const rows = await db.task.findMany({
        where: seek ? { AND: [where, seek] } : where,
        orderBy: orderBy(request.order),
        take: request.first + 1,
      });
      const hasNextPage = rows.length > request.first;
      const edges = rows.slice(0, request.first).map((node) => ({ cursor: encodeCursor(request.order, node), node }));
      return {
        edges,
        pageInfo: {
          hasNextPage,
          hasPreviousPage: Boolean(request.after),
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
        totalCount: () => db.task.count({ where }),
      };
    },

    find(ownerId: string, id: string): Promise<Task | null> {
      return db.task.findFirst({ where: { id, userId: ownerId } });
    },

    async create(ownerId: string, input: CreateTaskInput): Promise<Task> {
      try {
        return await db.task.create({ data: { ...input, userId: ownerId } });
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2003") {
          throw new OwnerNotFoundError();
        }
        throw error;
      }
    },

    /** One UPDATE ... WHERE id AND userId; null when no such task of this owner exists. */
    async update(ownerId: string, id: string, input: UpdateTaskInput): Promise<Task | null> {
      try {
        return await db.task.update({ where: { id, userId: ownerId }, data: input });
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2025") return null;
        throw error;
      }
    },

    /** One DELETE ... WHERE id AND userId; false when no such task of this owner exists. */
    async delete(ownerId: string, id: string): Promise<boolean> {
      const { count } = await db.task.deleteMany({ where: { id, userId: ownerId } });
      return count === 1;
    },

    /** Admin statistics: the only read that is not one owner's, and it returns a number, never a row. */
    countAllForAdmin(): Promise<number> {
      return db.task.count();
    },
  };
}

export type TaskStore = ReturnType<typeof createTaskStore>;
