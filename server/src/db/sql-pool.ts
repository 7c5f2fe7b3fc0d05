// The program's connections to PostgreSQL: one pg pool, watched for outages (database-outage.ts), named for
// pg_stat_activity. This is all the API holds of the database: its reads and writes are plain prepared SQL
// (db/sql.ts) through the Task door, the user store and the audit trail's reads, so the API process never
// loads the Prisma Client (about 37 MB of RSS; README "One data stack"). The auth service and the scripts put
// Prisma on the same pool (db/client.ts).
import pg from "pg";
import { type DatabaseHealth, watchDatabase } from "./database-outage.ts";

/** Opaque on purpose: only the modules allowed to hold the pool reach it, through `poolOf` (architecture.test.ts). */
export interface SqlPool {
  readonly description: "sql-pool";
}

export interface SqlPoolOptions {
  poolSize?: number;
  /** PostgreSQL's statement_timeout on every pooled connection; unset: none (scripts, tests). */
  statementTimeoutMs?: number;
  /** How long pool.connect() waits for a free connection before it fails; unset: for ever. */
  poolWaitMs?: number;
  /** How this process's connections are named in pg_stat_activity (operators and tests find them by it). */
  applicationName?: string;
  /** Where "database unavailable" and "available again" go, once per outage. Default: console.warn. */
  log?: (message: string) => void;
}

const pools = new WeakMap<SqlPool, pg.Pool>();
const healths = new WeakMap<SqlPool, DatabaseHealth>();

export function createSqlPool(databaseUrl: string, options: SqlPoolOptions = {}): SqlPool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    statement_timeout: options.statementTimeoutMs,
    connectionTimeoutMillis: options.poolWaitMs,
    application_name: options.applicationName ?? "tasks",
    // Queries on one checked-out connection go out without waiting for the previous answer, so the
    // owner-scoped transaction (BEGIN, frame, statement, COMMIT) is one round trip: db/scoped-transaction.ts.
    // Callers that await each query (Prisma, the user store) see no difference.
    pipeline: true,
  });
  // Before anything can fail: a pool's "error" event without a listener would end the process.
  const health = watchDatabase(pool, options.log ?? ((message) => console.warn(message)));
  const sqlPool: SqlPool = Object.freeze({ description: "sql-pool" as const });
  pools.set(sqlPool, pool);
  healths.set(sqlPool, health);
  return sqlPool;
}

/** Ends every connection of the pool (after whatever uses it has stopped). */
export async function closeSqlPool(sqlPool: SqlPool): Promise<void> {
  const pool = poolOf(sqlPool);
  if (!pool.ended) await pool.end();
}

/** Whether the database is reachable, as the pool last saw it. */
export function databaseHealthOf(sqlPool: SqlPool): DatabaseHealth {
  const health = healths.get(sqlPool);
  if (!health) throw new Error("databaseHealthOf: this pool was not made by createSqlPool");
  return health;
}

/** Connections checked out, and callers waiting for one (db_pool_connections_in_use, db_pool_waiting). */
export function poolUsageOf(sqlPool: SqlPool): { inUse: number; waiting: number } {
  const pool = poolOf(sqlPool);
  return { inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount };
}

/** Where the pool connects, for connections of their own (the revocation feed's LISTEN). */
export function connectionStringOf(sqlPool: SqlPool): string {
  return String(poolOf(sqlPool).options.connectionString);
}

/** The pg pool itself: for the Task door, the user store, the audit trail's reads and db/ only (architecture.test.ts). */
export function poolOf(sqlPool: SqlPool): pg.Pool {
  const pool = pools.get(sqlPool);
  if (!pool) throw new Error("poolOf: this pool was not made by createSqlPool");
  return pool;
}
