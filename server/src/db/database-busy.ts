// Recognises the ways the database says "too busy" to the API, wherever they surface in an error's
// chain (a resolver's error wraps the driver's): PostgreSQL cancelled a statement at statement_timeout,
// pg's pool gave up waiting for a free connection (connectionTimeoutMillis), or a statement waited too
// long behind its owner's others (DatabaseBusyError). Each is the load's fault, not the request's,
// so the API answers 503 SERVICE_BUSY with Retry-After instead of a 500.
import { DatabaseError } from "pg";

/** SQLSTATE query_canceled: what statement_timeout raises. */
const QUERY_CANCELED = "57014";
/** pg-pool's message when connectionTimeoutMillis passes with no connection free. */
const POOL_WAIT_EXCEEDED = /timeout exceeded when trying to connect/i;

/** Raised by the API itself when a statement may not even start in time (tasks/per-owner-concurrency.ts). */
export class DatabaseBusyError extends Error {}

export function isDatabaseBusy(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; depth += 1) {
    if (current instanceof DatabaseBusyError) return true;
    if (current instanceof DatabaseError && current.code === QUERY_CANCELED) return true;
    if (POOL_WAIT_EXCEEDED.test(current.message)) return true;
    current = (current as { originalError?: unknown }).originalError ?? current.cause;
  }
  return false;
}
