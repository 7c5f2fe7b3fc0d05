// The one database every server is measured on: a temporary embedded PostgreSQL, migrated from
// prisma/migrations exactly as the services do it, with durability off (nothing here must survive).
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.server.ts";
import { withClient } from "../src/db/with-client.ts";
import { migrateDatabase } from "../src/db/migrate.server.ts";
import { dataDir } from "../src/paths.ts";
import { freePort } from "../src/net/free-port.ts";

export interface BenchDatabase {
  /** Superuser URL: the project's API, the floor, seeding and checks. */
  url: string;
  /** PostgreSQL's postmaster pid, to measure the CPU its backends spend per request. */
  postmasterPid: number;
  stop(): Promise<void>;
}

export async function startBenchDatabase(): Promise<BenchDatabase> {
  const directory = path.join(dataDir, `bench-postgres-${Date.now().toString(36)}${randomBytes(3).toString("hex")}`);
  const running = await startEmbeddedPostgres({
    directory,
    port: await freePort(),
    password: randomBytes(12).toString("hex"),
    database: "tasks_bench",
    temporary: true,
  });
  const stop = async () => {
    await running.stop();
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await withoutDurability(running.url);
    await migrateDatabase(running.url);
    const postmasterPid = Number.parseInt(readFileSync(path.join(directory, "postmaster.pid"), "utf8").split("\n")[0] ?? "", 10);
    return { url: running.url, postmasterPid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * fsync off, as the issue allows. startEmbeddedPostgres takes no extra server flags, but these three
 * settings are reloadable, so ALTER SYSTEM and a reload reach the same state without touching it.
 */
async function withoutDurability(url: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query("ALTER SYSTEM SET fsync = off");
    await client.query("ALTER SYSTEM SET synchronous_commit = off");
    await client.query("ALTER SYSTEM SET full_page_writes = off");
    await client.query("SELECT pg_reload_conf()");
  });
  // The reload is asynchronous; a new session sees the new values once the postmaster has applied them.
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const fsync = await withClient(url, async (client) => (await client.query<{ fsync: string }>("SHOW fsync")).rows[0]?.fsync);
    if (fsync === "off") return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("PostgreSQL did not apply fsync = off after a configuration reload.");
}
