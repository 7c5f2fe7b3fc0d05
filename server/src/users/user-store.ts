// Reads of user rows for the API. Users are written only by the auth service (Better Auth, through
// Prisma). The API's reads are prepared statements (db/sql.ts), like the Task door's: through Prisma the
// read of a task's owner cost about a quarter of a request.
import { poolOf, type SqlPool } from "../db/sql-pool.ts";
import { queryRows } from "../db/sql.ts";
import { adminUserPageStatement, decodeAdminUserCursor, type AdminUserRow } from "./admin-user-page.ts";
import type { User } from "../generated/prisma/client.ts";

const COLUMNS = `"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt", "role", "banned", "banReason", "banExpires"`;

export function createUserStore(db: SqlPool) {
  const pool = poolOf(db);
  return {
    async findById(id: string): Promise<User | null> {
      const rows = await queryRows<User>(pool, { name: "users_find", text: `SELECT ${COLUMNS} FROM "user" WHERE "id" = $1`, values: [id] });
      return rows[0] ?? null;
    },
    /** The admin screen: users newest first. Throws InvalidCursorError for a cursor it never handed out. */
    async pageForAdmin(first: number, after: string | null | undefined): Promise<{ rows: AdminUserRow[]; hasNextPage: boolean }> {
      const position = after ? decodeAdminUserCursor(after) : null;
      const rows = await queryRows<AdminUserRow>(pool, adminUserPageStatement(first, position));
      return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
    },
    /** Admin statistics. */
    async count(): Promise<number> {
      const rows = await queryRows<{ count: number }>(pool, {
        name: "users_count",
        text: `SELECT count(*)::int AS "count" FROM "user"`,
        values: [],
      });
      return rows[0]?.count ?? 0;
    },
  };
}

export type UserStore = ReturnType<typeof createUserStore>;
