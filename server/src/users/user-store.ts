// Reads of user rows for the API. Users are written only by the auth service (Better Auth). The one
// read on a request's path is a prepared statement (db/sql.ts): through Prisma it cost about a quarter
// of a request that showed a task's owner.
import { poolOf, type Db } from "../db/client.ts";
import { queryRows } from "../db/sql.ts";
import type { User } from "../generated/prisma/client.ts";

const COLUMNS = `"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt", "role", "banned", "banReason", "banExpires"`;

export function createUserStore(db: Db) {
  const pool = poolOf(db);
  return {
    async findById(id: string): Promise<User | null> {
      const rows = await queryRows<User>(pool, { name: "users_find", text: `SELECT ${COLUMNS} FROM "user" WHERE "id" = $1`, values: [id] });
      return rows[0] ?? null;
    },
    count(): Promise<number> {
      return db.user.count();
    },
  };
}

export type UserStore = ReturnType<typeof createUserStore>;
