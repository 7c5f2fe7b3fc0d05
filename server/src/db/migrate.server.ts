// Applies prisma/migrations with the Prisma CLI (`migrate deploy`, JS schema engine through the pg
// adapter: see prisma.config.ts). Services call this at start, so a fresh database is always ready.
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { prismaConfigPath } from "../paths.ts";

const run = promisify(execFile);

export async function runPrismaCli(args: string[], databaseUrl: string): Promise<string> {
  const cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  const preload = fileURLToPath(new URL("./prisma-cli-preload.cjs", import.meta.url));
  try {
    const { stdout } = await run(process.execPath, ["--require", preload, cli, ...args, "--config", prismaConfigPath], {
      // CHECKPOINT_DISABLE: the CLI's update check calls a host this network cannot reach.
      env: { ...process.env, DATABASE_URL: databaseUrl, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`prisma ${args.join(" ")} failed:\n${failure.stderr || failure.stdout || failure.message}`);
  }
}

export async function migrateDatabase(databaseUrl: string): Promise<void> {
  await runPrismaCli(["migrate", "deploy"], databaseUrl);
}
