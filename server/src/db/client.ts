import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { type DatabaseHealth, watchDatabase } from "./database-outage.ts";

export type Db = PrismaClient;

const pools = new WeakMap<Db, pg.Pool>();
const healths = new WeakMap<Db, DatabaseHealth>();

export interface DbOptions {
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

/**
 * One client per process (the shared instance is called `db`). Its pg pool is ours, handed to Prisma's
 * adapter (which ends it on $disconnect), so the task store can run its statements as prepared SQL
 * statements on the same connections: see tasks/task-sql.ts.
 */
export function createDb(databaseUrl: string, options: DbOptions = {}): Db {
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
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(db, pool);
  healths.set(db, health);
  return db;
}

/** Whether the database behind a client made by createDb is reachable, as its pool last saw it. */
export function databaseHealthOf(db: Db): DatabaseHealth {
  const health = healths.get(db);
  if (!health) throw new Error("databaseHealthOf: this client was not made by createDb");
  return health;
}

/** Where a client made by createDb connects, for connections of their own (the revocation feed's LISTEN). */
export function connectionStringOf(db: Db): string {
  return String(poolOf(db).options.connectionString);
}

/** The pg pool under a client made by createDb: for the Task door and the user store only (architecture.test.ts). */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error("poolOf: this client was not made by createDb");
  return pool;
}
