// Development and single-machine entry point: auth service and API in one process, one database.
//   --serve-spa        also serve the built SPA (client/dist) on CLIENT_PORT, same origin (`pnpm start`)
//   --vite-dev-server  the Vite dev server serves the SPA beside this process (`pnpm dev`, web/dev.ts)
//
// Tracing first, when configured: its hooks must be in place before the services import node:http and pg.
import path from "node:path";
import { projectRoot } from "./paths.ts";
import type { SpaOptions } from "./services.ts";
import { startTracingIfConfigured } from "./tracing/start-if-configured.ts";

await startTracingIfConfigured("tasks");
const { withDevelopmentSecrets } = await import("./runtime/development-secrets.ts");
const { runUntilSignalled } = await import("./runtime/run-until-signalled.ts");
const { startServices } = await import("./services.ts");

const spa: SpaOptions | undefined = process.argv.includes("--serve-spa")
  ? { kind: "static", directory: path.join(projectRoot, "client", "dist") }
  : process.argv.includes("--vite-dev-server")
    ? { kind: "vite-dev-server" }
    : undefined;

// /dev/mail only for the development runner (`pnpm dev`).
await runUntilSignalled(
  (env, logger) =>
    startServices(withDevelopmentSecrets(env), { auth: true, api: true, spa, devMailPage: spa?.kind === "vite-dev-server" }, logger),
  "Tasks is running:",
);
