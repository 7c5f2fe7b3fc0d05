// The database going away (stopped, restarted, failed over, or a connection killed by an operator), as
// one process sees it. Two jobs: recognise the errors that mean "the database cannot be reached right now",
// wherever they surface in an error's chain (pg's own, Prisma's wrapping of them, a resolver's wrapping of
// those), so both services answer 503 SERVICE_BUSY instead of an internal error; and keep one view of the
// outage per pool, so the log says once that the database is gone and once that it is back, not a line per
// request. An outage starts at the first such error (a failed connect, a failed statement, or an idle
// pooled connection closed by the server) and ends when the pool next opens a connection.
import { DatabaseError } from "pg";

/** SQLSTATEs of a server that is shutting down, starting up or dropping the connection (classes 57P, 08). */
const UNREACHABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006", "08007"]);
/** Socket errors on the way to the server. */
const UNREACHABLE_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
/** What pg says when a connection ends under it, or is used after that; they carry no code. */
const UNREACHABLE_MESSAGES = /Connection terminated|Client has encountered a connection error|Client was closed and is not queryable/i;
/** Prisma's codes for an unreachable server or a closed connection (P1001 can't reach, P1002 timed out, P1017 closed). */
const PRISMA_UNREACHABLE_CODES = new Set(["P1001", "P1002", "P1017"]);
/** The driver adapter's own classes for the same, in a Prisma error's meta. */
const ADAPTER_UNREACHABLE_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout"]);

export function isDatabaseUnreachable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; depth += 1) {
    if (unreachableItself(current)) return true;
    current = (current as { originalError?: unknown }).originalError ?? current.cause;
  }
  return false;
}

function unreachableItself(error: Error): boolean {
  const { code, meta } = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown } } } };
  if (error instanceof DatabaseError) return UNREACHABLE_SQLSTATES.has(String(code));
  if (typeof code === "string" && (UNREACHABLE_SOCKET_CODES.has(code) || PRISMA_UNREACHABLE_CODES.has(code))) return true;
  // Prisma's driver adapter error: in a Prisma error's meta, or thrown as it is (its cause is a plain object).
  const cause =
    meta?.driverAdapterError?.cause ??
    (error.name === "DriverAdapterError" ? (error.cause as { kind?: unknown; code?: unknown }) : undefined);
  if (cause && (ADAPTER_UNREACHABLE_KINDS.has(String(cause.kind)) || UNREACHABLE_SQLSTATES.has(String(cause.code)))) return true;
  return UNREACHABLE_MESSAGES.test(error.message);
}

export interface DatabaseHealth {
  /** False from the first sign of an outage until the pool next connects. */
  readonly available: boolean;
  /** Tells the health about an error a caller met; true when it means the database is unreachable. */
  noteFailure(error: unknown): boolean;
}

interface ErrorEmitter {
  on(event: "error", listener: (error: Error) => void): unknown;
}

interface WatchedPool extends ErrorEmitter {
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "connect", listener: (client: ErrorEmitter) => void): unknown;
}

/**
 * Watches a pg pool. Its "error" listeners are what keep the process alive: an "error" event with no
 * listener ends a Node process, and pg emits one on the pool for an idle connection the server closes
 * (a shutdown, pg_terminate_backend) and on the connection itself for one in use (a write to a closed
 * socket in pipelined mode). Either way the connection's statements fail on their own, the pool drops it,
 * and the next request opens a new one.
 */
export function watchDatabase(pool: WatchedPool, log: (message: string) => void): DatabaseHealth {
  let lostAt: number | undefined;
  const lost = (error: unknown) => {
    if (lostAt !== undefined) return;
    lostAt = Date.now();
    log(`database unavailable (${describe(error)}): requests that need it answer 503 SERVICE_BUSY until it is back`);
  };
  pool.on("error", lost);
  pool.on("connect", (client) => {
    client.on("error", lost);
    if (lostAt === undefined) return;
    log(`database available again after ${((Date.now() - lostAt) / 1000).toFixed(1)} s`);
    lostAt = undefined;
  });
  return {
    get available() {
      return lostAt === undefined;
    },
    noteFailure(error) {
      if (!isDatabaseUnreachable(error)) return false;
      lost(error);
      return true;
    },
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code } = error as { code?: unknown };
  return typeof code === "string" && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
}
