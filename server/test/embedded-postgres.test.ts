// The embedded PostgreSQL: a second run on the same data folder is told why it cannot start.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, expect, test } from "vitest";
import { EmbeddedPostgresError, startEmbeddedPostgres, type RunningPostgres } from "../src/db/embedded-postgres.server.ts";
import { dataDir } from "../src/paths.ts";
import { freePort } from "../src/net/free-port.ts";

const directory = path.join(dataDir, `test-embedded-${randomBytes(4).toString("hex")}`);
let first: RunningPostgres | undefined;

afterAll(async () => {
  await first?.stop();
  rmSync(directory, { recursive: true, force: true });
});

test("starts, creates its database, and refuses a second run on the same folder with a clear message", async () => {
  const password = randomBytes(8).toString("hex");
  first = await startEmbeddedPostgres({ directory, port: await freePort(), password, database: "tasks", temporary: true });
  const client = new pg.Client({ connectionString: first.url });
  await client.connect();
  expect((await client.query("SELECT current_database() AS name")).rows[0].name).toBe("tasks");
  await client.end();

  const second = startEmbeddedPostgres({ directory, port: await freePort(), password, database: "tasks" });
  await expect(second).rejects.toThrow(EmbeddedPostgresError);
  await expect(second).rejects.toThrow(/is in use by another run \(PostgreSQL pid \d+\)[\s\S]*EMBEDDED_POSTGRES_DIR/);
});
