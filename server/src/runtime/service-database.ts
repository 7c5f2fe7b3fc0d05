// The database a program serves from: DATABASE_URL's or the embedded one (db/database.server.ts), migrated,
// with the pool the services share, named for pg_stat_activity. Shared by both programs and the single-process
// runner; it knows neither service, and loads no Prisma Client (the auth service puts Prisma on the pool).
import { databaseLimits } from "../config.ts";
import { type Database, openDatabase } from "../db/database.server.ts";
import { migrateDatabase } from "../db/migrate.server.ts";
import { closeSqlPool, createSqlPool, type SqlPool } from "../db/sql-pool.ts";
import type { Env } from "../env.ts";
import type { Logger } from "../logging/logger.ts";

export interface ServiceDatabase {
  database: Database;
  pool: SqlPool;
  /** Closes the pool, then stops the embedded PostgreSQL when this program started it. */
  close(): Promise<void>;
}

/**
 * `applicationName`: how this program's connections are named (tasks-api, tasks-auth, tasks). `logger` hears of
 * an outage once, and of the end of it.
 */
export async function openServiceDatabase(env: Env, applicationName: string, logger: Logger): Promise<ServiceDatabase> {
  const log = logger.child({ component: "database" });
  const database = await openDatabase(env);
  const pool = createSqlPool(database.url, {
    ...databaseLimits(env),
    applicationName,
    log: (message) => log.warn(message),
  });
  const close = async () => {
    await closeSqlPool(pool);
    await database.stop();
  };
  try {
    await migrateDatabase(database.url);
  } catch (error) {
    await close();
    throw error;
  }
  return { database, pool, close };
}
