// Reads of user rows for the API. Users are written only by the auth service (Better Auth).
import type { Db } from "../db/client.ts";
import type { Prisma } from "../generated/prisma/client.ts";

export function createUserStore(db: Db) {
  return {
    findById<Query extends { include?: Prisma.UserInclude; select?: Prisma.UserSelect }>(id: string, query: Query) {
      return db.user.findUnique({ ...query, where: { id } });
    },
    count(): Promise<number> {
      return db.user.count();
    },
  };
}

export type UserStore = ReturnType<typeof createUserStore>;
