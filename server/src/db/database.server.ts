// Chooses the database: DATABASE_URL when it is set, otherwise an embedded PostgreSQL that starts by
// itself under the git-ignored data folder. Either way the caller gets a URL and a way to stop.
import path from "node:path";
import type { Env } from "../env.ts";
import { dataDir, projectRoot } from "../paths.ts";
import { developmentSecret } from "../runtime/development-secrets.ts";
import { findRunningEmbeddedPostgres, startEmbeddedPostgres } from "./embedded-postgres.server.ts";

export interface Database {
  url: string;
  /** Human-readable, password-free description for start-up output. */
  description: string;
  stop(): Promise<void>;
}

export async function openDatabase(env: Env): Promise<Database> {
  if (env.DATABASE_URL) {
    return { url: env.DATABASE_URL, description: `PostgreSQL at ${redact(env.DATABASE_URL)} (DATABASE_URL)`, stop: async () => {} };
  }
  const directory = embeddedDirectory(env);
  const running = await startEmbeddedPostgres({
    directory,
    port: env.EMBEDDED_POSTGRES_PORT,
    password: developmentSecret("postgresPassword"),
    database: "tasks",
  });
  return {
    url: running.url,
    description: `embedded PostgreSQL at ${redact(running.url)} (data in ${path.relative(projectRoot, directory) || directory})`,
    stop: running.stop,
  };
}

/**
 * For the operator's commands (scripts/): the embedded PostgreSQL that `pnpm dev` / `pnpm start` is
 * running on the same data folder when there is one (stop() then leaves it running), otherwise the
 * database openDatabase() gives, started and stopped by the command itself.
 */
export async function openOperatorDatabase(env: Env): Promise<Database> {
  if (!env.DATABASE_URL) {
    const directory = embeddedDirectory(env);
    const url = await findRunningEmbeddedPostgres({ directory, password: developmentSecret("postgresPassword"), database: "tasks" });
    if (url) {
      return {
        url,
        description: `the running embedded PostgreSQL at ${redact(url)} (data in ${path.relative(projectRoot, directory) || directory})`,
        stop: async () => {},
      };
    }
  }
  return openDatabase(env);
}

function embeddedDirectory(env: Env): string {
  return env.EMBEDDED_POSTGRES_DIR ?? path.join(dataDir, "postgres");
}

export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}
