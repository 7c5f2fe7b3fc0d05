// Every server the benchmark can run: how to start it, which API it speaks, what it takes part in.
import { fileURLToPath } from "node:url";
import type { ScenarioName } from "../scenarios.ts";

export const serverNames = [
  "project",
  "project-dpop",
  "project-program",
  "project-without-rls",
  "project-young-generation-64mb",
  "floor",
  "yoga-floor",
  "floor-token-only",
  "floor-db-only",
  "postgraphile-v5",
  "postgraphile-v4",
] as const;
export type ServerName = (typeof serverNames)[number];

/** Which requests a server understands: the project's contract, the floor's routes, PostGraphile's schema. */
export type Dialect = "project" | "floor" | "postgraphile-v5" | "postgraphile-v4";

export interface ServerEntry {
  name: ServerName;
  description: string;
  dialect: Dialect;
  script: string;
  args: string[];
  /** Node flags before the script (tsx is always loaded). */
  nodeFlags: string[];
  scenarios: ScenarioName[];
  /** What its read answer is checked against: the user's 20 newest tasks, or just who the user is. */
  readAnswer: "tasks" | "viewer";
  /** A variant that exists to explain a number (the floor's halves), not a competitor. */
  explanatory: boolean;
  /**
   * How the load tool presents each user: a bearer token, or (dpop) the user's DPoP-bound token with a fresh
   * proof per request (RFC 9449; load.ts, correctness-gate.ts).
   */
  credentials: "bearer" | "dpop";
}

/** project-api.ts's argument for API_DPOP=required: only DPoP-bound tokens with their proofs are taken. */
export const DPOP_REQUIRED_ARGUMENT = "--dpop-required";

const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));
const promiseWithResolvers = script("promise-with-resolvers.mjs");

export const servers: Record<ServerName, ServerEntry> = {
  project: {
    name: "project",
    description: "the project's API (src/api/app.ts, production settings)",
    dialect: "project",
    script: script("project-api.ts"),
    args: [],
    nodeFlags: [],
    scenarios: ["read", "deep", "write"],
    readAnswer: "tasks",
    explanatory: false,
    credentials: "bearer",
  },
  "project-dpop": {
    name: "project-dpop",
    description:
      "the project's API exactly as `project` runs it, with API_DPOP=required: each request carries the user's DPoP-bound token " +
      "and a proof never used before, made by the load tool (ES256), checked by the API and its jti claimed in PostgreSQL (what a proof costs)",
    dialect: "project",
    script: script("project-api.ts"),
    args: [DPOP_REQUIRED_ARGUMENT],
    nodeFlags: [],
    scenarios: ["read", "deep", "write"],
    readAnswer: "tasks",
    explanatory: true,
    credentials: "dpop",
  },
  "project-program": {
    name: "project-program",
    description:
      "the project's API program as `pnpm start:api` runs it (src/api/service.ts: its own pool, migrations checked, only the API's modules loaded)",
    dialect: "project",
    script: script("project-program.ts"),
    args: [],
    nodeFlags: [],
    scenarios: ["read", "write"],
    readAnswer: "tasks",
    explanatory: true,
    credentials: "bearer",
  },
  "project-without-rls": {
    name: "project-without-rls",
    description: "the project's API without its row-level-security transaction (the door alone), to show the wall's cost",
    dialect: "project",
    script: script("project-api-without-rls.ts"),
    args: [],
    nodeFlags: [],
    scenarios: ["read", "write"],
    readAnswer: "tasks",
    explanatory: true,
    credentials: "bearer",
  },
  "project-young-generation-64mb": {
    name: "project-young-generation-64mb",
    description:
      "the project's API, unchanged, with V8's young generation at 64 MB per semi-space (Node 20's default is 16): a tuning knob's price in memory and its gain in GC",
    dialect: "project",
    script: script("project-api.ts"),
    args: [],
    nodeFlags: ["--max-semi-space-size=64"],
    scenarios: ["read", "write"],
    readAnswer: "tasks",
    explanatory: true,
    credentials: "bearer",
  },
  floor: {
    name: "floor",
    description: "floor: node:http + jose + one prepared pg statement",
    dialect: "floor",
    script: script("floor.ts"),
    args: ["full"],
    nodeFlags: [],
    scenarios: ["read", "deep", "write"],
    readAnswer: "tasks",
    explanatory: false,
    credentials: "bearer",
  },
  "yoga-floor": {
    name: "yoga-floor",
    description:
      "a bare graphql-yoga server: jose in the context, the floor's prepared statements; no row-level security, limits, scopes or revocation (what the project's walls cost over its framework)",
    dialect: "project",
    script: script("yoga-floor.ts"),
    args: [],
    nodeFlags: [],
    scenarios: ["read", "write"],
    readAnswer: "tasks",
    explanatory: true,
    credentials: "bearer",
  },
  "floor-token-only": {
    name: "floor-token-only",
    description: "floor, token half: jose verification, no database",
    dialect: "floor",
    script: script("floor.ts"),
    args: ["token"],
    nodeFlags: [],
    scenarios: ["read"],
    readAnswer: "viewer",
    explanatory: true,
    credentials: "bearer",
  },
  "floor-db-only": {
    name: "floor-db-only",
    description: "floor, database half: the prepared statement, token not verified",
    dialect: "floor",
    script: script("floor.ts"),
    args: ["db"],
    nodeFlags: [],
    scenarios: ["read"],
    readAnswer: "tasks",
    explanatory: true,
    credentials: "bearer",
  },
  "postgraphile-v5": {
    name: "postgraphile-v5",
    description: "PostGraphile 5 (Amber preset, grafserv node) + jose in context + row-level security",
    dialect: "postgraphile-v5",
    script: script("postgraphile-v5.ts"),
    args: [],
    nodeFlags: ["--import", promiseWithResolvers],
    scenarios: ["read", "deep", "write"],
    readAnswer: "tasks",
    explanatory: false,
    credentials: "bearer",
  },
  "postgraphile-v4": {
    name: "postgraphile-v4",
    description: "PostGraphile 4 middleware + jose in pgSettings + row-level security",
    dialect: "postgraphile-v4",
    script: script("postgraphile-v4.ts"),
    args: [],
    nodeFlags: [],
    scenarios: ["read", "deep", "write"],
    readAnswer: "tasks",
    explanatory: false,
    credentials: "bearer",
  },
};
