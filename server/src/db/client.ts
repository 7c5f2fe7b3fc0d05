// Prisma for the auth service (Better Auth's adapter, signing keys, roles, the audit trail's writes) and the
// operator scripts, on the program's own pool (sql-pool.ts). The API never imports this module: it holds the
// pool alone (README "One data stack").
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { createSqlPool, poolOf, type SqlPool, type SqlPoolOptions } from "./sql-pool.ts";

export type Db = PrismaClient;

const sqlPools = new WeakMap<Db, SqlPool>();

/** Prisma on a pool the caller keeps: `$disconnect` leaves the pool open (close it with closeSqlPool). */
export function createPrismaOn(sqlPool: SqlPool): Db {
  return withPool(new PrismaClient({ adapter: new PrismaPg(poolOf(sqlPool), { disposeExternalPool: false }) }), sqlPool);
}

/** A pool of its own and Prisma on it, for scripts and tests (the shared instance is called `db`): `$disconnect` ends both. */
export function createDb(databaseUrl: string, options: SqlPoolOptions = {}): Db {
  const sqlPool = createSqlPool(databaseUrl, options);
  return withPool(new PrismaClient({ adapter: new PrismaPg(poolOf(sqlPool), { disposeExternalPool: true }) }), sqlPool);
}

function withPool(db: Db, sqlPool: SqlPool): Db {
  sqlPools.set(db, sqlPool);
  return db;
}

/** The pool under a client made by createDb or createPrismaOn: what the API's stores take. */
export function sqlPoolOf(db: Db): SqlPool {
  const sqlPool = sqlPools.get(db);
  if (!sqlPool) throw new Error("sqlPoolOf: this client was not made by createDb or createPrismaOn");
  return sqlPool;
}
