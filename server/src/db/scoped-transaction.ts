// One statement in a transaction of its own, after a frame statement that sets the role and settings
// for that transaction only (set_config(..., true)): how row-level security learns who is asking. The
// task door's owner transaction and the audit trail's reads both run this way.
import type pg from "pg";
import { utcTimestamps, type Statement } from "./sql.ts";

export async function runScoped<Row extends pg.QueryResultRow>(
  pool: pg.Pool,
  frame: Statement,
  statement: Statement,
): Promise<pg.QueryResult<Row>> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(frame);
    const result = await client.query<Row>({ ...statement, types: utcTimestamps });
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
