// The benchmark's command line: the method by default, anything shorter by flag, and one
// `--smoke` preset that CI runs so the instrument cannot rot.
import { parseArgs } from "node:util";
import { LARGE_TASKS_PER_USER, SMOKE_LARGE_TASKS_PER_USER } from "./load-shape.ts";
import { scenarioNames, type ScenarioName } from "./scenarios.ts";
import { serverNames, type ServerName } from "./servers/catalogue.ts";

export interface BenchOptions {
  durationSeconds: number;
  warmupSeconds: number;
  rounds: number;
  connections: number;
  usersCount: number;
  /** Tasks each of the "large" users owns (the scaling table's second user group). */
  largeTasksPerUser: number;
  servers: ServerName[];
  scenarios: ScenarioName[];
  /** Write a V8 CPU profile of the project's API child (it slows that child: read ratios with care). */
  profile: boolean;
  /** The scaling table (read only) instead of the main comparison. */
  scaling: boolean;
  smoke: boolean;
}

export const USAGE = `Usage: pnpm bench [options]

  --duration <s>      measured seconds per run (default 10; smoke 2)
  --warmup <s>        warm-up seconds before each run, not measured (default 3; smoke 0)
  --rounds <n>        rounds, alternating the server order (default 3; smoke 1)
  --connections <n>   concurrent connections (default 50; the base the scaling table varies)
  --servers <list>    comma-separated subset of: ${serverNames.join(", ")}
                      (default: all; with --scaling: project, floor)
  --scenarios <list>  comma-separated subset of: ${scenarioNames.join(", ")}
  --scaling           the scaling table instead: read at 10/50/200 connections, page sizes 1/20/100,
                      users with 1,000 and ${LARGE_TASKS_PER_USER.toLocaleString("en-US")} tasks (smoke: ${SMOKE_LARGE_TASKS_PER_USER.toLocaleString("en-US")})
  --profile           write a CPU profile of the project's API child to .bench-results/profiles
  --smoke             2-second smoke of every server and scenario: what CI runs
  --help              this text`;

export class UsageError extends Error {}

export function parseOptions(argv: string[]): BenchOptions | "help" {
  // pnpm passes a lone "--" through when flags follow `pnpm bench --`.
  const args = argv.filter((arg) => arg !== "--");
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      duration: { type: "string" },
      warmup: { type: "string" },
      rounds: { type: "string" },
      connections: { type: "string" },
      servers: { type: "string" },
      scenarios: { type: "string" },
      profile: { type: "boolean", default: false },
      scaling: { type: "boolean", default: false },
      smoke: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return "help";
  const smoke = values.smoke ?? false;
  const scaling = values.scaling ?? false;
  if (scaling && values.scenarios !== undefined && values.scenarios.trim() !== "read") {
    throw new UsageError("--scaling measures the read scenario only; leave out --scenarios.");
  }
  return {
    durationSeconds: number(values.duration, smoke ? 2 : 10, "duration", 1),
    warmupSeconds: number(values.warmup, smoke ? 0 : 3, "warmup", 0),
    rounds: number(values.rounds, smoke ? 1 : 3, "rounds", 1),
    connections: number(values.connections, 50, "connections", 1),
    usersCount: 10,
    largeTasksPerUser: smoke ? SMOKE_LARGE_TASKS_PER_USER : LARGE_TASKS_PER_USER,
    servers: list(values.servers ?? (scaling ? "project,floor" : undefined), serverNames, "servers"),
    scenarios: scaling ? ["read"] : list(values.scenarios, scenarioNames, "scenarios"),
    profile: values.profile ?? false,
    scaling,
    smoke,
  };
}

function number(value: string | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${value}".`);
  return parsed;
}

function list<Name extends string>(value: string | undefined, known: readonly Name[], name: string): Name[] {
  if (value === undefined) return [...known];
  const chosen = value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  const unknown = chosen.filter((item) => !known.includes(item as Name));
  if (unknown.length > 0 || chosen.length === 0) {
    throw new UsageError(`--${name}: unknown ${unknown.join(", ") || "(empty list)"}; choose from ${known.join(", ")}.`);
  }
  // Keep the catalogue's order whatever order the flag gave.
  return known.filter((item) => chosen.includes(item));
}
