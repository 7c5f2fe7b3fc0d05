// "Does the database answer?" for the readiness endpoints: one `select 1` on the program's pool, at most one
// in flight however often a load balancer asks, and a short wait for it: a probe that hangs would make /ready
// hang with it. A failure that means an outage is told to the pool's health, as any request's would be.
import { databaseHealthOf, poolOf, type SqlPool } from "./sql-pool.ts";

/** Long enough for a healthy database under load, short enough for a load balancer's check interval. */
export const DATABASE_PROBE_TIMEOUT_MS = 1_000;

export function createDatabaseProbe(sqlPool: SqlPool, timeoutMs = DATABASE_PROBE_TIMEOUT_MS): () => Promise<boolean> {
  const pool = poolOf(sqlPool);
  const health = databaseHealthOf(sqlPool);
  let inFlight: Promise<boolean> | undefined;
  return () => {
    inFlight ??= pool
      .query("select 1")
      .then(
        () => true,
        (error: unknown) => {
          health.noteFailure(error);
          return false;
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return withinMs(inFlight, timeoutMs);
  };
}

/** The answer, or false once `ms` have passed (the probe itself runs on, and stays the one in flight). */
function withinMs(answer: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}
