// Prisma CLI configuration. The JS schema engine (engine "js") runs migrations through the pg driver
// adapter, so the CLI needs nothing but the npm registry (Prisma 7's CLI downloads a native engine from
// a host outside it). The CLI is only ever started by server/src/db/migrate.ts and the db:* scripts, which set
// DATABASE_URL to the database in use (embedded or external).
import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { defineConfig } from "prisma/config";

/**
 * @prisma/adapter-pg 7.10 runs a migration by splitting it at every ";" (even inside a dollar-quoted
 * function body) and sending the pieces one by one. This factory's adapters send each script whole, as
 * one simple-protocol query, which PostgreSQL parses properly (and runs as one implicit transaction).
 */
class WholeScriptPg extends PrismaPg {
  override async connect() {
    const adapter = await super.connect();
    const internals = adapter as unknown as { client: pg.Pool; onError(error: unknown): never };
    adapter.executeScript = async (script: string) => {
      try {
        await internals.client.query(script);
      } catch (error) {
        internals.onError(error);
      }
    };
    return adapter;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "../prisma/schema.prisma",
  migrations: { path: "../prisma/migrations" },
  async adapter() {
    // The CLI's own process: reading its environment here is the CLI's contract, not the app's.
    // A short idle timeout closes the pool as soon as the one-shot CLI is done (pg keeps idle clients 10 s).
    return new WholeScriptPg({ connectionString: process.env.DATABASE_URL, idleTimeoutMillis: 200, allowExitOnIdle: true });
  },
});
