// One statement in a transaction of its own, after a frame statement that sets the role and settings
// for that transaction only (set_config(..., true)): how row-level security learns who is asking. The
// task door's owner transaction and the audit trail's reads both run this way.
//
// The four messages (BEGIN, frame, statement, COMMIT) go out together on a pipelined connection
// (db/client.ts), one round trip instead of four. PostgreSQL runs them in order, so nothing changes
// for isolation: the statement still runs inside the transaction, after the frame. If any of them
// fails, the ones after it in the transaction fail with "current transaction is aborted" and the
// COMMIT rolls back, so a failed frame can never let the statement run unscoped (tested in
// row-level-security.test.ts). Values stay parameters; no SQL is built from strings.
import type pg from "pg";
import { utcTimestamps, type Statement } from "./sql.ts";

export async function runScoped<Row extends pg.QueryResultRow>(
  pool: pg.Pool,
  frame: Statement,
  statement: Statement,
): Promise<pg.QueryResult<Row>> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const [begin, framed, result, commit] = await Promise.allSettled([
      client.query("BEGIN"),
      client.query(frame),
      client.query<Row>({ ...statement, types: utcTimestamps }),
      client.query("COMMIT"),
    ]);
    // The first failure is the cause; those after it are its echoes ("current transaction is aborted").
    for (const step of [begin, framed, result, commit]) if (step.status === "rejected") throw step.reason;
    return (result as PromiseFulfilledResult<pg.QueryResult<Row>>).value;
  } catch (error) {
    // A COMMIT that never ran (the connection failed) leaves the connection unusable: drop it.
    if (client.getTransactionStatus() !== "I") broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}
