// Once per test run: a PostgreSQL server (a temporary embedded one, or the server DATABASE_URL names),
// and a template database migrated from prisma/migrations. Each test file clones the template
// (CREATE DATABASE ... TEMPLATE), so files run in parallel on databases of their own.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.server.ts";
import { withClient } from "../../src/db/with-client.ts";
import { migrateDatabase } from "../../src/db/migrate.server.ts";
import { readEnv } from "../../src/env.ts";
import { dataDir } from "../../src/paths.ts";
import { freePort } from "../../src/net/free-port.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** A URL to the server's maintenance database, for CREATE/DROP DATABASE. */
    maintenanceUrl: string;
    templateDatabase: string;
    databaseKind: string;
  }
}

export default async function setup(project: TestProject) {
  const env = readEnv();
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  let maintenanceUrl: string;
  let stopServer = async () => {};
  let databaseKind: string;

  if (env.DATABASE_URL) {
    const url = new URL(env.DATABASE_URL);
    url.pathname = "/postgres";
    maintenanceUrl = url.toString();
    databaseKind = `external PostgreSQL at ${url.host} (DATABASE_URL)`;
  } else {
    const directory = path.join(dataDir, `test-postgres-${runId}`);
    const server = await startEmbeddedPostgres({
      directory,
      port: await freePort(),
      password: randomBytes(12).toString("hex"),
      database: "postgres",
      temporary: true,
    });
    maintenanceUrl = server.url;
    databaseKind = "embedded PostgreSQL (temporary)";
    stopServer = async () => {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    };
  }

  const templateDatabase = `tasks_test_template_${runId}`;
  await withClient(maintenanceUrl, (client) => client.query(`CREATE DATABASE ${templateDatabase}`));
  await migrateDatabase(databaseUrl(maintenanceUrl, templateDatabase));

  project.provide("maintenanceUrl", maintenanceUrl);
  project.provide("templateDatabase", templateDatabase);
  project.provide("databaseKind", databaseKind);
  console.log(`Tests run on ${databaseKind}.`);

  return async () => {
    await withClient(maintenanceUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`));
    await stopServer();
  };
}

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export { withClient };
