// A database of this test file's own, cloned from the migrated template; dropped when the file ends.
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { databaseUrl, withClient } from "./global-setup.ts";

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const maintenanceUrl = inject("maintenanceUrl");
  const name = `tasks_test_${randomBytes(6).toString("hex")}`;
  await withClient(maintenanceUrl, (client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${inject("templateDatabase")}`));
  return {
    url: databaseUrl(maintenanceUrl, name),
    drop: () => withClient(maintenanceUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}
