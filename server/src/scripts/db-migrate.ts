// `pnpm db:migrate`: apply prisma/migrations to the database in use (DATABASE_URL, or the embedded one).
import { openOperatorDatabase } from "../db/database.server.ts";
import { migrateDatabase } from "../db/migrate.server.ts";
import { readEnv } from "../env.ts";

const database = await openOperatorDatabase(readEnv());
try {
  await migrateDatabase(database.url);
  console.log(`Migrations applied to ${database.description}.`);
} finally {
  await database.stop();
}
