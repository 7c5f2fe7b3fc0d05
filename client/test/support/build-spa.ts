// Once per test run: a production build of the SPA into a temporary folder, served by the project's own
// web server in the browser tests (so they test what `pnpm build && pnpm start` ships).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The built SPA (index.html and assets/). */
    spaDir: string;
  }
}

export const clientDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export default async function buildSpa(project: TestProject) {
  const outDir = mkdtempSync(path.join(os.tmpdir(), "tasks-spa-"));
  // Vitest sets NODE_ENV=test, which would give React's development build; build what production gets.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({
      root: clientDir,
      configFile: path.join(clientDir, "vite.config.ts"),
      mode: "production",
      logLevel: "warn",
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  project.provide("spaDir", outDir);
  return () => rmSync(outDir, { recursive: true, force: true });
}
