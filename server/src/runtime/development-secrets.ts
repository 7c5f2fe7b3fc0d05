// Development-only secrets, generated once and kept in the git-ignored data folder (.data/dev-secrets.json) so
// that a restart keeps sessions, signing keys and the embedded database password: the auth service's
// BETTER_AUTH_SECRET, filled in by the development runners (main.ts, auth/main.ts) before the configuration
// is read, and the embedded PostgreSQL's password (db/database.server.ts). Reading configuration writes
// nothing; production never reaches this file (config.ts refuses to start there without real secrets).
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Env } from "../env.ts";
import { dataDir } from "../paths.ts";

type SecretName = "betterAuthSecret" | "postgresPassword";

export function developmentSecret(name: SecretName, directory = dataDir): string {
  const file = path.join(directory, "dev-secrets.json");
  let secrets: Partial<Record<SecretName, string>> = {};
  try {
    secrets = JSON.parse(readFileSync(file, "utf8")) as typeof secrets;
  } catch {
    // First run (or an unreadable file): start a new set.
  }
  const existing = secrets[name];
  if (existing) return existing;
  const created = randomBytes(32).toString("base64url");
  mkdirSync(directory, { recursive: true, mode: 0o755 });
  writeFileSync(file, JSON.stringify({ ...secrets, [name]: created }, null, 2), { mode: 0o600 });
  return created;
}

/** In development, the environment with BETTER_AUTH_SECRET made up once and kept, when none is given. */
export function withDevelopmentSecrets(env: Env): Env {
  if (env.NODE_ENV === "production" || env.BETTER_AUTH_SECRET) return env;
  return { ...env, BETTER_AUTH_SECRET: developmentSecret("betterAuthSecret") };
}
