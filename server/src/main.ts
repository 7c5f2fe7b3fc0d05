// Development and single-machine entry point: auth service and API in one process, one database.
//   --serve-spa        also serve the built SPA (client/dist) on CLIENT_PORT, same origin (`pnpm start`)
//   --vite-dev-server  the Vite dev server serves the SPA beside this process (`pnpm dev`, web/dev.ts)
import path from "node:path";
import { projectRoot } from "./paths.ts";
import { withDevelopmentSecrets } from "./runtime/development-secrets.ts";
import { runUntilSignalled } from "./runtime/run-until-signalled.ts";
import { startServices, type SpaOptions } from "./services.ts";

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
