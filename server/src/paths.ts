import { fileURLToPath } from "node:url";
import path from "node:path";

/** The repository root (server/src/paths.ts is two levels below it). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Local state that must never be committed: embedded database, development secrets. Git-ignored. */
export const dataDir = path.join(projectRoot, ".data");

export const prismaConfigPath = path.join(projectRoot, "server", "prisma.config.ts");
export const migrationsDir = path.join(projectRoot, "prisma", "migrations");
export const schemaSdlPath = path.join(projectRoot, "server", "schema.graphql");
/** The web app's Content-Security-Policy, published for the Vite dev server (client/vite-dev-policy.ts). */
export const contentSecurityPolicyPath = path.join(projectRoot, "server", "content-security-policy.json");
