// Plain SQL on Prisma's pool (db/client.ts poolOf), for the API's hot reads and writes: named prepared
// statements, values only as parameters, and times in UTC both ways. The UTC handling is needed, not a
// copy for its own sake: Prisma writes DateTime columns (timestamp(3) without time zone) as UTC, Better
// Auth's user rows included, and pg on its own would read and write them in the process's local time,
// shifting every time by the server's offset.
import pg from "pg";

export interface Statement {
  /** One name per statement text: prepared once per connection. */
  name: string;
  text: string;
  values: unknown[];
}

const TIMESTAMP_WITHOUT_TIME_ZONE = 1114;
export const utcTimestamps = {
  getTypeParser: (oid: number, format?: "text" | "binary") =>
    oid === TIMESTAMP_WITHOUT_TIME_ZONE ? (value: string) => new Date(`${value.replace(" ", "T")}Z`) : pg.types.getTypeParser(oid, format),
};

/** A time as the columns hold it: UTC text. */
export function utc(date: Date): string {
  return date.toISOString().replace("T", " ").replace("Z", "");
}

export async function queryRows<Row extends pg.QueryResultRow>(pool: pg.Pool, statement: Statement): Promise<Row[]> {
  const { rows } = await pool.query<Row>({ ...statement, types: utcTimestamps });
  return rows;
}
