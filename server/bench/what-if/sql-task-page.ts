// What-if, measured but not shipped: the task store's "newest first, first page" read answered by one
// named (prepared) pg statement instead of Prisma's findMany, same columns, same order, same limit, on the
// same pool Prisma uses. Every other call still goes to Prisma. It prices Prisma's per-query work (query
// compiler, interpreter, result mapping) and PostgreSQL's re-planning of unnamed statements.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { Db } from "../../src/db/client.ts";
import { PrismaClient, type Prisma } from "../../src/generated/prisma/client.ts";

const NEWEST_PAGE = {
  name: "what-if-newest-task-page",
  text: `SELECT id, title, description, completed, "dueAt", "createdAt", "updatedAt", "userId" FROM task
         WHERE "userId" = $1 ORDER BY "createdAt" DESC, id DESC LIMIT $2`,
};
const TIMESTAMP_OID = 1114;

// timestamp(3) holds UTC wall-clock time, as Prisma writes it.
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === TIMESTAMP_OID ? (value: string) => new Date(`${value.replace(" ", "T")}Z`) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Only the plain first page of NEWEST_FIRST is taken over; anything else is Prisma's. */
function newestPageOwner(args: Prisma.TaskFindManyArgs): string | undefined {
  const where = args.where as Record<string, unknown> | undefined;
  const order = JSON.stringify(args.orderBy);
  const plain = where && Object.keys(where).length === 1 && typeof where.userId === "string";
  return plain && order === '[{"createdAt":"desc"},{"id":"desc"}]' && typeof args.take === "number" && !args.select && !args.include
    ? (where.userId as string)
    : undefined;
}

export function createDbWithSqlTaskPage(databaseUrl: string, poolSize: number): { db: Db; end(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const task = new Proxy(prisma.task, {
    get(target, property, receiver) {
      if (property !== "findMany") return Reflect.get(target, property, receiver);
      return async (args: Prisma.TaskFindManyArgs) => {
        const owner = newestPageOwner(args);
        if (owner === undefined) return target.findMany(args);
        return (await pool.query({ ...NEWEST_PAGE, values: [owner, args.take], types })).rows;
      };
    },
  });
  const db = new Proxy(prisma, {
    get(target, property) {
      if (property === "task") return task;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    db,
    async end() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
