// `prisma generate` (Prisma Client + Pothos types into src/generated/, git-ignored). Runs after install.
// The CLI wants DATABASE_URL set even though generating connects to nothing.
import { runPrismaCli } from "../db/migrate.server.ts";

await runPrismaCli(["generate"], "postgresql://generate-connects-to-nothing@localhost/none");
console.log("Generated Prisma Client and Pothos types in server/src/generated/.");
