import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        // Components and the token logic, in happy-dom with the network faked at fetch.
        plugins: [react()],
        test: {
          name: "components",
          include: ["src/**/*.test.{ts,tsx}"],
          environment: "happy-dom",
          environmentOptions: { happyDOM: { url: "http://localhost:5173/" } },
          setupFiles: ["test/support/component-setup.ts", "../server/test/support/fail-on-console-error.ts"],
        },
      },
      {
        // The real thing: the server's start-up code on a temporary embedded PostgreSQL, the built SPA,
        // Debian's chromium driven by playwright-core; plus the checks that need Node (codegen, web server).
        resolve: {
          // As in the server's own config: resolve graphql the way Node does, so the server's sources and
          // Yoga share one GraphQLError class (see server/vitest.config.ts).
          alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }],
        },
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          environment: "node",
          globalSetup: ["../server/test/support/global-setup.ts", "test/support/build-spa.ts", "test/support/chromium.ts"],
          pool: "forks",
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
