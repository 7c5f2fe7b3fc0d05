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
    oid === TIMESTAMP_WITHOUT_TIME_ZONE ? parseUtcTimestamp : pg.types.getTypeParser(oid, format),
};

const digit = (text: string, index: number) => text.charCodeAt(index) - 48;
const twoDigits = (text: string, index: number) => digit(text, index) * 10 + digit(text, index + 1);

/**
 * PostgreSQL's text form of a timestamp without time zone ("2026-12-04 15:04:05.123", the fraction
 * optional, 1 to 6 digits) read as UTC. Read digit by digit: every task row holds three of these and
 * the string route (replace, then Date's own parser) was a tenth of a 100-task page's CPU in the
 * benchmark profile. Anything else (infinity, BC, years before 100 or after 9999) takes that route.
 */
export function parseUtcTimestamp(value: string): Date {
  const length = value.length;
  const year = twoDigits(value, 0) * 100 + twoDigits(value, 2);
  const standard =
    length >= 19 &&
    length <= 26 &&
    length !== 20 &&
    value.charCodeAt(4) === 45 && // -
    value.charCodeAt(10) === 32 && // space
    (length === 19 || value.charCodeAt(19) === 46) && // .
    year >= 100 &&
    year <= 9999;
  if (!standard) return new Date(`${value.replace(" ", "T")}Z`);
  const milliseconds = length === 19 ? 0 : digit(value, 20) * 100 + (length > 21 ? digit(value, 21) * 10 : 0) + (length > 22 ? digit(value, 22) : 0);
  return new Date(
    Date.UTC(year, twoDigits(value, 5) - 1, twoDigits(value, 8), twoDigits(value, 11), twoDigits(value, 14), twoDigits(value, 17), milliseconds),
  );
}

/** A time as the columns hold it: UTC text. */
export function utc(date: Date): string {
  return date.toISOString().replace("T", " ").replace("Z", "");
}

export async function queryRows<Row extends pg.QueryResultRow>(pool: pg.Pool, statement: Statement): Promise<Row[]> {
  const { rows } = await pool.query<Row>({ ...statement, types: utcTimestamps });
  return rows;
}
