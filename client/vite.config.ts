import path from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { devServerFiles, malformedAddressesGetThePage, missingFilesAreNotFound } from "./vite-dev-files.ts";
import { devContentSecurityPolicy } from "./vite-dev-policy.ts";
import { devProxy } from "./vite-dev-proxy.ts";

const clientDir = path.dirname(fileURLToPath(import.meta.url));

// Same variables and defaults as the server (server/src/env.ts), so one environment configures both.
const host = process.env.HOST || "127.0.0.1";
const port = (name: string, fallback: number) => Number(process.env[name] || fallback);
const proxy = devProxy({
  auth: `http://${host}:${port("AUTH_PORT", 4001)}`,
  api: `http://${host}:${port("API_PORT", 4000)}`,
});

export default defineConfig({
  plugins: [react(), malformedAddressesGetThePage(), missingFilesAreNotFound(), devContentSecurityPolicy(Object.keys(proxy))],
  server: {
    // localhost, not 127.0.0.1: the auth service trusts the origin http://localhost:$CLIENT_PORT by default.
    host: "localhost",
    port: port("CLIENT_PORT", 5173),
    strictPort: true,
    // The client's files only: never .data/ (dev secrets, the embedded PostgreSQL), server/, prisma/ or .env*.
    fs: devServerFiles(clientDir, path.dirname(clientDir)),
    // The SPA is served from this origin: no other page (Vite allows any localhost one) may read its files.
    cors: false,
    proxy,
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Hashed file names under assets/: the production web server caches them for a year.
    assetsDir: "assets",
  },
});
