// The request path reads timestamp columns with its own parser (db/sql.ts): it must give the instant
// PostgreSQL means, for every text form PostgreSQL prints. PostgreSQL itself is the reference here: it
// prints each value as text and as milliseconds since the epoch (a timestamp without time zone read as UTC).
import { expect, inject, test } from "vitest";
import { parseUtcTimestamp } from "../src/db/sql.ts";
import { withClient } from "./support/global-setup.ts";

interface Sample {
  text: string;
  epoch: string | null;
}

async function printedByPostgres(sql: string): Promise<Sample[]> {
  return withClient(inject("maintenanceUrl"), async (client) => (await client.query<Sample>(sql)).rows);
}

test("every timestamp(3) PostgreSQL prints reads back as the same instant", async () => {
  // Random instants over five centuries, whole seconds and every fraction length timestamp(3) prints.
  const samples = await printedByPostgres(`
    SELECT ts::text AS text, (extract(epoch FROM ts) * 1000)::bigint::text AS epoch
    FROM (
      SELECT (timestamp '1800-01-01' + random() * (timestamp '2300-01-01' - timestamp '1800-01-01'))::timestamp(3) AS ts
      FROM generate_series(1, 5000)
      UNION ALL
      SELECT date_trunc('second', timestamp '2026-12-04 15:04:05') + make_interval(secs => fraction)
      FROM unnest(ARRAY[0, 0.1, 0.12, 0.123, 0.5, 0.05, 0.005, 0.999]::float8[]) AS fraction
      UNION ALL
      SELECT unnest(ARRAY['2024-02-29 23:59:59.999', '1970-01-01 00:00:00', '0100-03-01 12:00:00', '9999-12-31 23:59:59.999']::timestamp(3)[])
    ) AS instants`);
  const fractionLengths = new Set(samples.map((sample) => sample.text.split(".")[1]?.length ?? 0));
  expect([...fractionLengths].sort()).toEqual([0, 1, 2, 3]);
  const wrong = samples.filter((sample) => parseUtcTimestamp(sample.text).getTime() !== Number(sample.epoch));
  expect(wrong.map((sample) => `${sample.text} -> ${parseUtcTimestamp(sample.text).toISOString()}`)).toEqual([]);
});

test("forms outside the fast path (microseconds, early years, infinity) read as the string parser reads them", async () => {
  const samples = await printedByPostgres(`
    SELECT unnest(ARRAY['2026-12-04 15:04:05.123456', '0050-06-15 08:00:00', 'infinity', '-infinity']::timestamp[])::text AS text,
           NULL AS epoch`);
  expect(samples.map((sample) => sample.text)).toEqual(["2026-12-04 15:04:05.123456", "0050-06-15 08:00:00", "infinity", "-infinity"]);
  const reference = (text: string) => new Date(`${text.replace(" ", "T")}Z`).getTime();
  for (const { text } of samples) expect(parseUtcTimestamp(text).getTime(), text).toEqual(reference(text));
  // Year 50 stays year 50 (Date.UTC alone would read it as 1950).
  expect(parseUtcTimestamp("0050-06-15 08:00:00").getUTCFullYear()).toBe(50);
});
