// The project's boundaries, kept by dependency-cruiser (`pnpm lint` runs it, and so `validate` and CI).
// Reachability rules follow imports transitively, so a boundary cannot be crossed through a module in
// between (the API program once reached Better Auth through services.ts). Type-only imports are not
// dependencies here (tsPreCompilationDeps: false): they vanish when the code runs.
// What an import rule cannot express here (SQL naming the task table, who may hold the pg pool, a type the
// schema names from api/) stays in server/test/architecture.test.ts.

/** Packages and folders of the auth service: Better Auth, mail, the web server. */
const AUTH_SIDE_PACKAGES = "node_modules/(better-auth|@better-auth|better-call|nodemailer|smtp-server|mailparser|kysely)/";
const AUTH_SIDE_MODULES = "^server/src/(auth|mail|web)/";
/** Packages and folders of the API: Yoga, Pothos, the schema and what it shares (graphql/), the task store. */
const API_SIDE_PACKAGES = "node_modules/(graphql-yoga|@graphql-yoga|@pothos|@envelop|@escape\\.tech)/";
const API_SIDE_MODULES = "^server/src/(api|graphql|schema|tasks)/|^server/src/builder\\.ts$";
/** What the API service is built from, and must not reach back into: the schema, its builder, what they share, the verifier. */
const BUILT_ON_BY_API = "^server/src/(schema|graphql|token-verification)/|^server/src/builder\\.ts$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "api-program-has-no-auth-service",
      comment: "The API program trusts only tokens it verifies: it loads no Better Auth, no mail, no web server, no auth-service module.",
      severity: "error",
      from: { path: "^server/src/api/main\\.ts$" },
      to: { path: [AUTH_SIDE_PACKAGES, AUTH_SIDE_MODULES], reachable: true },
    },
    {
      name: "api-program-has-no-prisma-client",
      comment:
        "The API reads and writes through its pool alone (db/sql-pool.ts): the Prisma Client and its query compiler (~37 MB of RSS) are the auth service's.",
      severity: "error",
      from: { path: "^server/src/api/main\\.ts$" },
      to: { path: ["^server/src/db/client\\.ts$", "^server/src/generated/prisma/", "node_modules/(@prisma/client|@prisma/adapter-pg)/"], reachable: true },
    },
    {
      name: "auth-program-has-no-api",
      comment: "The auth program loads no GraphQL server, no schema and no task store.",
      severity: "error",
      from: { path: "^server/src/auth/main\\.ts$" },
      to: { path: [API_SIDE_PACKAGES, API_SIDE_MODULES], reachable: true },
    },
    {
      name: "api-modules-import-no-auth-modules",
      comment: "Any module of the API, reachable from its program or not, imports nothing of the auth service.",
      severity: "error",
      from: { path: "^server/src/(api|graphql|token-verification)/" },
      to: { path: AUTH_SIDE_MODULES },
    },
    {
      name: "auth-modules-import-no-api-modules",
      comment: "Any module of the auth service imports nothing of the API.",
      severity: "error",
      from: { path: "^server/src/auth/" },
      to: { path: API_SIDE_MODULES },
    },
    {
      name: "schema-reaches-no-api-service",
      comment:
        "api/ builds the app from the schema: the schema, the builder, graphql/ (errors, context type, live streams) and the token verifier never reach back into api/.",
      severity: "error",
      from: { path: BUILT_ON_BY_API },
      to: { path: "^server/src/api/", reachable: true },
    },
    {
      name: "token-verification-reaches-no-graphql",
      comment: "Verifying a token knows nothing of GraphQL: the verifier reaches no schema, builder or graphql/ module.",
      severity: "error",
      from: { path: "^server/src/token-verification/" },
      to: { path: "^server/src/(schema|graphql)/|^server/src/builder\\.ts$", reachable: true },
    },
    {
      name: "no-circular",
      comment: "No module depends on itself through others.",
      severity: "error",
      from: { path: "^(server/src|client/src)/" },
      to: { circular: true },
    },
    {
      name: "client-imports-no-server-code",
      comment:
        "The web app and its build configuration import no server source: only what the server publishes (schema.graphql, content-security-policy.json).",
      severity: "error",
      from: { path: "^client/(src/|[^/]+\\.ts$)" },
      to: { path: "^server/src/" },
    },
    {
      name: "conformance-kit-knows-only-the-contract",
      comment:
        "The conformance kit is a black box: it knows server/CONTRACT.md and HTTP, never the server's code, its tests or its benchmark.",
      severity: "error",
      from: { path: "^server/conformance/" },
      to: { path: "^server/(src|test|bench)/", reachable: true },
    },
    {
      name: "bench-imports-no-test-code",
      comment: "The benchmark measures the application, not the test harness.",
      severity: "error",
      from: { path: "^server/bench/" },
      to: { path: "^server/test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: false,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
