import { defineConfig } from "vitest/config";

// Tests that need a Redis server run only when one is configured (CI sets REDIS_URL on its second run);
// the project's default needs no Redis, so they are left out rather than skipped.
const withoutRedis = process.env.REDIS_URL ? [] : ["test/**/*.redis.test.ts"];

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module). Node, and so Yoga and Pothos loaded from
    // node_modules, resolve the CJS build; Vite would hand our sources the ESM one. Two GraphQLError
    // classes would make Yoga mask our own errors, so resolve our imports the way Node does.
    alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }],
  },
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["**/node_modules/**", ...withoutRedis],
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/fail-on-console-error.ts"],
    pool: "forks",
    // Not UTC on purpose: a date handled in local time somewhere shows up as a failing test.
    env: { TZ: "America/New_York" },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
