// A PostgreSQL server of one test's own, which the test may stop and start again on the same data and
// port: for fault tests, which cannot stop the server every other test file is using at the same time.
// By default the embedded PostgreSQL (17, the project's default); when the run was given DATABASE_URL
// (CI's external pass), a server from the machine's own PostgreSQL installation (Debian's, found by
// pg_config), so the faults are tried on both.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startEmbeddedPostgres, type RunningPostgres } from "../../src/db/embedded-postgres.server.ts";
import { withClient } from "../../src/db/with-client.ts";
import { readEnv } from "../../src/env.ts";
import { freePort } from "../../src/net/free-port.ts";
import { dataDir } from "../../src/paths.ts";

export interface PostgresServer {
  /** Which server this is, for the test's printed figures. */
  kind: string;
  /** A URL to a database of its own on this server (created at start). */
  url: string;
  /** A fast shutdown (SIGINT: sessions are told "terminating connection due to administrator command"). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and deletes its data. */
  remove(): Promise<void>;
}

const DATABASE = "tasks";

export async function startPostgresServer(): Promise<PostgresServer> {
  const directory = path.join(dataDir, `fault-postgres-${randomBytes(4).toString("hex")}`);
  const port = await freePort();
  const server = readEnv().DATABASE_URL ? installedServer(directory, port) : await embeddedServer(directory, port);
  await server.start();
  return server;
}

async function embeddedServer(directory: string, port: number): Promise<PostgresServer> {
  const password = randomBytes(12).toString("hex");
  let running: RunningPostgres | undefined;
  const server: PostgresServer = {
    kind: "embedded PostgreSQL 17",
    url: `postgresql://postgres:${password}@127.0.0.1:${port}/${DATABASE}`,
    async start() {
      running = await startEmbeddedPostgres({ directory, port, password, database: DATABASE });
    },
    async stop() {
      await running?.stop();
      running = undefined;
    },
    async remove() {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
  return server;
}

/** PostgreSQL refuses to run as root: as root, its commands run as the installation's "postgres" user. */
function installedServer(directory: string, port: number): PostgresServer {
  const binaries = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
  const version = execFileSync(path.join(binaries, "postgres"), ["--version"], { encoding: "utf8" }).trim();
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) =>
    execFileSync(
      asRoot ? "runuser" : path.join(binaries, command),
      asRoot ? ["-u", "postgres", "--", path.join(binaries, command), ...args] : args,
      {
        stdio: "pipe",
      },
    );
  const server: PostgresServer = {
    kind: `the machine's ${version.replace(/^postgres \(PostgreSQL\) /, "PostgreSQL ")} (${binaries})`,
    url: `postgresql://postgres@127.0.0.1:${port}/${DATABASE}`,
    async start() {
      if (!existsSync(path.join(directory, "PG_VERSION"))) {
        mkdirSync(directory, { recursive: true });
        if (asRoot) chownSync(directory, postgresUid(), postgresGid());
        run("initdb", ["-D", directory, "-U", "postgres", "--auth=trust", "--no-sync"]);
        writeFileSync(path.join(directory, "postgresql.auto.conf"), "fsync = off\n");
      }
      const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=`;
      run("pg_ctl", ["-D", directory, "-o", options, "-l", path.join(directory, "server.log"), "-w", "start"]);
      await withClient(server.url.replace(/\/[^/]*$/, "/postgres"), async (client) => {
        const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE]);
        if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
      });
    },
    async stop() {
      if (existsSync(path.join(directory, "postmaster.pid"))) run("pg_ctl", ["-D", directory, "-m", "fast", "-w", "stop"]);
    },
    async remove() {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
  return server;
}

function postgresUid(): number {
  return Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
}

function postgresGid(): number {
  return Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
}
