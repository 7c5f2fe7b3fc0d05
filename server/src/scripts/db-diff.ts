// `pnpm db:diff <name>`: write the next migration from the change to prisma/schema.prisma.
// `prisma migrate dev` cannot run with the JS schema engine on PostgreSQL (it introspects), so this
// diffs two schema files instead: the schema as it was when the newest migration was committed, and
// the schema now. `--from <git-rev>` picks another starting point.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { openOperatorDatabase } from "../db/database.server.ts";
import { runPrismaCli } from "../db/migrate.server.ts";
import { readEnv } from "../env.ts";
import { migrationsDir, projectRoot } from "../paths.ts";

const { positionals, values } = parseArgs({ allowPositionals: true, options: { from: { type: "string" } } });
const name = positionals[0];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("Usage: pnpm db:diff <snake_case_name> [--from <git-rev>]");
  process.exit(1);
}

const git = (...args: string[]) => execFileSync("git", args, { cwd: projectRoot, encoding: "utf8" }).trim();
const hasMigrations = existsSync(migrationsDir) && readdirSync(migrationsDir).some((entry) => /^\d+_/.test(entry));
const fromRev = values.from ?? (hasMigrations ? git("log", "-1", "--format=%H", "--", "prisma/migrations") : undefined);

let from = ["--from-empty"];
if (fromRev) {
  const previous = path.join(mkdtempSync(path.join(os.tmpdir(), "db-diff-")), "schema.prisma");
  writeFileSync(previous, git("show", `${fromRev}:prisma/schema.prisma`));
  from = ["--from-schema-datamodel", previous];
}

// The JS schema engine wants a live connection even to diff two files: use the project's database.
const database = await openOperatorDatabase(readEnv());
try {
  const sql = await runPrismaCli(
    ["migrate", "diff", ...from, "--to-schema-datamodel", path.join(projectRoot, "prisma/schema.prisma"), "--script"],
    database.url,
  );
  if (!/^\s*(CREATE|ALTER|DROP)/im.test(sql)) {
    console.log("No schema change since the last migration: nothing written.");
  } else {
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const folder = path.join(migrationsDir, `${stamp}_${name}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "migration.sql"), sql);
    console.log(`Wrote ${path.relative(projectRoot, folder)}/migration.sql: review it, then commit it with the schema.`);
  }
} finally {
  await database.stop();
}
