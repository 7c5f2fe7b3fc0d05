// `pnpm bench`: one database, one key set, every server in turn under the same load, rounds in
// alternating order, medians and ratios printed and kept as JSON in .bench-results/ (git-ignored).
// Exits non-zero when any server fails the correctness gate or answers an error under load.
import { mkdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { projectRoot } from "../src/paths.ts";
import { startBenchDatabase, type BenchDatabase } from "./bench-database.ts";
import { createBenchUsers } from "./bench-users.ts";
import { checkServer, expectedAnswers, type Expected } from "./correctness-gate.ts";
import { summariseCpuProfiles } from "./cpu-profile-summary.ts";
import { measureProofCost, type ProofCost } from "./dpop-cost.ts";
import { runLoad } from "./load.ts";
import { baseShape, describeShape, distinctShapes, scalingSteps, type LoadShape } from "./load-shape.ts";
import { parseOptions, USAGE, type BenchOptions } from "./options.ts";
import { childrenCpuDeltaMs, childrenCpuMs } from "./proc-stats.ts";
import {
  dpopComparisons,
  machine,
  medians,
  ratios,
  renderProofCost,
  renderScalingTable,
  renderTable,
  renderTargets,
  targets,
  writeResults,
  type Measurement,
  type Row,
} from "./report.ts";
import { scenarioNames, type ScenarioName } from "./scenarios.ts";
import type { BenchUser } from "./bench-users.ts";
import { startServerProcess, type ServerProcess } from "./server-process.ts";
import { servers, type ServerEntry, type ServerName } from "./servers/catalogue.ts";
import type { ServerSettings } from "./servers/child-runtime.ts";
import { preparePostGraphileAccess } from "./servers/postgraphile-database.ts";
import { seedTasks } from "./seed-tasks.ts";

const resultsDirectory = path.join(projectRoot, ".bench-results");
const profilesDirectory = path.join(resultsDirectory, "profiles");
const POOL_SIZE = 10;
/** Proofs made and checked for the proof's cost measured apart (dpop-cost.ts). */
const PROOF_COST_SAMPLES = { full: 5_000, smoke: 500 };

const current: { database?: BenchDatabase; child?: ServerProcess } = {};

async function main(): Promise<number> {
  let options: BenchOptions | "help";
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  const startedAt = new Date();
  const log = (message: string) => console.log(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(1).padStart(6)} s] ${message}`);
  log(
    `benchmark${options.scaling ? " (scaling)" : ""}: ${options.servers.join(", ")} | ${options.scenarios.join(", ")} | ` +
      `${options.rounds} round(s) of ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s, ${options.connections} connections`,
  );
  const rows = plannedRows(options);
  const taskCounts = [...new Set(rows.map((row) => row.shape.tasksPerUser))];

  const database = await startBenchDatabase();
  current.database = database;
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    log("embedded PostgreSQL up (fsync off), migrated from prisma/migrations");
    // One group of users per task count: the same number of users in each, so only the data size differs.
    const { users: everyone, keys } = await createBenchUsers(database.url, options.usersCount * taskCounts.length);
    log(
      `${everyone.length} users signed up at the real auth service; EdDSA tokens from GET /api/auth/token, ` +
        "a bearer one and one bound to the user's DPoP key",
    );
    const seededBefore = new Date();
    const groups = new Map<number, BenchUser[]>();
    for (const [group, tasksPerUser] of taskCounts.entries()) {
      const users = everyone.slice(group * options.usersCount, (group + 1) * options.usersCount);
      groups.set(tasksPerUser, users);
      for (const [index, user] of users.entries()) {
        await seedTasks(client, user.id, group * options.usersCount + index, tasksPerUser, seededBefore);
      }
      log(`${users.length} x ${tasksPerUser.toLocaleString("en-US")} tasks seeded`);
    }
    const postgraphileDatabaseUrl = await preparePostGraphileAccess(client, database.url);
    await client.query("VACUUM ANALYZE");
    // Kept in this session only: what a write run (or its gate) adds is whatever is not in here.
    await client.query("CREATE TEMPORARY TABLE seeded_task AS SELECT id FROM task");
    const expectations = new Map<string, Expected>();
    for (const shape of distinctShapes(rows.map((row) => row.shape))) {
      const key = expectationKey(shape);
      if (expectations.has(key)) continue;
      const expected = await expectedAnswers(client, groups.get(shape.tasksPerUser) ?? [], shape.pageSize);
      if ([...expected.newest.values()].some((tasks) => tasks.length !== shape.pageSize)) {
        throw new Error(`seeding left a user without ${shape.pageSize} tasks`);
      }
      expectations.set(key, expected);
    }
    log("PostGraphile role and row-level security in place");

    let proofCost: ProofCost | undefined;
    if (rows.some((row) => servers[row.server].credentials === "dpop") && everyone[0]) {
      proofCost = await measureProofCost(everyone[0], options.smoke ? PROOF_COST_SAMPLES.smoke : PROOF_COST_SAMPLES.full);
      log(
        `a DPoP proof, measured apart: ${proofCost.makeCpuUs.toFixed(1)} µs CPU to make, ` +
          `${proofCost.checkCpuUs.toFixed(1)} µs to check (its jti claim left out; the signature alone ${proofCost.signatureCpuUs.toFixed(1)} µs)`,
      );
    }

    const settings: ServerSettings = { databaseUrl: database.url, postgraphileDatabaseUrl, keys, poolSize: POOL_SIZE };
    const profiles: string[] = [];

    // Everything a write run (or its gate) created goes, so the next server reads the seeded data. Only
    // once the server has stopped and its sessions are gone: requests in flight when the load tool stops
    // may still commit.
    const removeWrites = async () => {
      await waitForOtherSessionsToEnd(client);
      await client.query("DELETE FROM task WHERE id NOT IN (SELECT id FROM seeded_task)");
      await client.query("VACUUM ANALYZE task");
    };
    // Likewise the jti a DPoP row claimed (one row per request): each run of it starts with the store empty.
    const forgetProofs = async () => {
      await waitForOtherSessionsToEnd(client);
      await client.query('TRUNCATE "dpop_proof_use"');
    };

    for (let round = 1; round <= options.rounds; round += 1) {
      const order = round % 2 === 1 ? options.servers : [...options.servers].reverse();
      for (const [position, name] of order.entries()) {
        const entry = servers[name];
        const due = rows.filter((row) => row.server === name && row.status === "measured");
        if (due.length === 0) continue;
        const child = await startServerProcess(entry, settings);
        current.child = child;
        let wrote = false;
        try {
          for (const row of due) {
            wrote ||= row.scenario === "write";
            const profile =
              options.profile && entry.dialect === "project"
                ? path.join(
                    profilesDirectory,
                    `${name}-${row.scenario}${options.scaling ? shapeSuffix(row.shape) : ""}-round${round}.cpuprofile`,
                  )
                : undefined;
            const measurement = await measure(row.scenario, entry, child, {
              round,
              position,
              options,
              shape: row.shape,
              users: groups.get(row.shape.tasksPerUser) ?? [],
              expected: expectations.get(expectationKey(row.shape)) as Expected,
              client,
              database,
              log,
              profile,
            });
            if (profile && typeof measurement !== "string") profiles.push(profile);
            if (typeof measurement === "string") {
              row.status = "failed";
              row.note = measurement;
            } else {
              row.rounds.push(measurement);
              if (measurement.failures > 0) {
                row.status = "failed";
                row.note = `${measurement.failures} failed answers under load, first: ${measurement.firstFailure}`;
              }
            }
          }
        } finally {
          await child.stop();
          current.child = undefined;
          if (wrote) await removeWrites();
          if (entry.credentials === "dpop") await forgetProofs();
        }
      }
    }

    const table = options.scaling ? renderScalingTable(rows, options) : renderTable(rows, options);
    const goals = targets(rows, options.scaling);
    console.log(table);
    console.log(renderTargets(goals));
    if (proofCost) console.log(renderProofCost(proofCost));
    const failed = rows.filter((row) => row.status === "failed");
    for (const row of failed) console.error(`\nFAILED ${row.scenario} / ${row.server}: ${row.note}`);
    const file = writeResults(resultsDirectory, {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: machine(),
      options,
      method:
        "autocannon in the orchestrator process; each server in its own child process on 127.0.0.1 (NODE_ENV=production, " +
        `pool size ${POOL_SIZE}); one embedded PostgreSQL (fsync off); static JWKS of the auth service for every server; ` +
        "rounds alternate the server order; medians over rounds; peak RSS = VmHWM of the server process, reset before each run; " +
        "CPU per request from /proc (server process, PostgreSQL's processes, load tool); GC time per request from the " +
        "server process's own `gc` performance entries; project-dpop: the users' DPoP-bound tokens (API_DPOP=required) with a " +
        "proof made per request inside autocannon's setupRequest (ES256 by node:crypto, random jti), the proof's cost also " +
        "measured apart in the orchestrator before any load",
      servers: Object.fromEntries(options.servers.map((name) => [name, servers[name].description])),
      rows: rows.map((row) => ({ ...row, median: row.rounds.length > 0 ? medians(row.rounds) : null })),
      ratios: ratios(rows),
      dpop: { comparisons: dpopComparisons(rows), proofCost: proofCost ?? null },
      targets: goals,
      table,
    });
    log(`results: ${path.relative(projectRoot, file)}`);
    for (const profile of profiles) console.log(`\n${path.relative(projectRoot, profile)}\n${summariseCpuProfiles([profile])}`);
    return failed.length > 0 ? 1 : 0;
  } finally {
    await client.end();
    await database.stop();
    current.database = undefined;
  }
}

interface MeasureContext {
  round: number;
  position: number;
  options: BenchOptions;
  shape: LoadShape;
  users: BenchUser[];
  expected: Expected;
  client: pg.Client;
  database: BenchDatabase;
  log: (message: string) => void;
  /** Where to write a CPU profile of the measured run, if one is wanted. */
  profile?: string;
}

/** Gate, warm-up, measured run. Returns the measurement, or why the server failed the gate. */
async function measure(
  scenario: ScenarioName,
  entry: ServerEntry,
  child: ServerProcess,
  context: MeasureContext,
): Promise<Measurement | string> {
  const { options, users, log, shape } = context;
  const label = `round ${context.round}/${options.rounds} ${entry.name} ${scenario}${options.scaling ? ` (${describeShape(shape)})` : ""}`;
  const load = { connections: shape.connections, pageSize: shape.pageSize };
  const problems = await checkServer(scenario, entry, child.url, users, context.expected, context.client, shape.pageSize);
  if (problems.length > 0) {
    log(`${label}: CORRECTNESS GATE FAILED\n    ${problems.slice(0, 5).join("\n    ")}`);
    return `correctness gate: ${problems.slice(0, 3).join("; ")}`;
  }
  if (options.warmupSeconds > 0) {
    await runLoad(scenario, entry, child.url, users, { ...load, durationSeconds: options.warmupSeconds });
  }
  child.resetPeakRss();
  const gcBefore = await child.gcMs();
  const serverBefore = child.cpuMs();
  const databaseBefore = childrenCpuMs(context.database.postmasterPid);
  const driverBefore = process.cpuUsage();
  if (context.profile) await child.startProfile();
  const result = await runLoad(scenario, entry, child.url, users, { ...load, durationSeconds: options.durationSeconds });
  const driver = process.cpuUsage(driverBefore);
  const databaseMs = childrenCpuDeltaMs(databaseBefore, childrenCpuMs(context.database.postmasterPid));
  const serverMs = child.cpuMs() - serverBefore;
  const gcMs = (await child.gcMs()) - gcBefore;
  if (context.profile) {
    mkdirSync(path.dirname(context.profile), { recursive: true });
    await child.stopProfile(context.profile);
  }
  const perRequestUs = (ms: number) => (result.requests > 0 ? (ms * 1000) / result.requests : Number.NaN);
  const measurement: Measurement = {
    round: context.round,
    position: context.position,
    requestsPerSecond: result.requestsPerSecond,
    latencyP50Ms: result.latencyP50Ms,
    latencyP99Ms: result.latencyP99Ms,
    peakRssMb: child.peakRssMb(),
    serverCpuUs: perRequestUs(serverMs),
    gcUs: perRequestUs(gcMs),
    databaseCpuUs: perRequestUs(databaseMs),
    driverCpuUs: perRequestUs((driver.user + driver.system) / 1000),
    requests: result.requests,
    failures: result.failures,
    ...(result.firstFailure ? { firstFailure: result.firstFailure } : {}),
  };
  log(
    `${label}: ${measurement.requestsPerSecond.toFixed(0)} req/s, p50 ${measurement.latencyP50Ms} ms, p99 ${measurement.latencyP99Ms} ms, ` +
      `RSS ${measurement.peakRssMb.toFixed(0)} MB, CPU/req server ${measurement.serverCpuUs.toFixed(0)} µs (GC ${measurement.gcUs.toFixed(0)} µs) ` +
      `db ${measurement.databaseCpuUs.toFixed(0)} µs` +
      (result.failures > 0 ? `, ${result.failures} FAILED answers (${result.firstFailure})` : ""),
  );
  return measurement;
}

async function waitForOtherSessionsToEnd(client: pg.Client): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { rows } = await client.query<{ others: number }>(
      `SELECT count(*)::int AS others FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
    );
    if (rows[0]?.others === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("sessions of a stopped server were still open after 10 s");
}

/** The main comparison: every scenario at the base shape. The scaling table: read at each shape. */
function plannedRows(options: BenchOptions): Row[] {
  const base = baseShape(options.connections);
  const shapes = options.scaling ? distinctShapes(scalingSteps(base, options.largeTasksPerUser).map((step) => step.shape)) : [base];
  const rows: Row[] = [];
  for (const scenario of scenarioNames.filter((name) => options.scenarios.includes(name))) {
    for (const server of options.servers.filter((name: ServerName) => servers[name].scenarios.includes(scenario))) {
      for (const shape of shapes) rows.push({ scenario, server, shape, status: "measured", rounds: [] });
    }
  }
  return rows;
}

function expectationKey(shape: LoadShape): string {
  return `${shape.tasksPerUser}/${shape.pageSize}`;
}

function shapeSuffix(shape: LoadShape): string {
  return `-c${shape.connections}-p${shape.pageSize}-t${shape.tasksPerUser}`;
}

async function shutdown(signal: string): Promise<void> {
  console.error(`\n${signal}: stopping the server under test and the embedded PostgreSQL...`);
  await current.child?.stop().catch(() => {});
  await current.database?.stop().catch(() => {});
  process.exit(130);
}
process.once("SIGINT", () => void shutdown("SIGINT"));
process.once("SIGTERM", () => void shutdown("SIGTERM"));

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    await current.child?.stop().catch(() => {});
    await current.database?.stop().catch(() => {});
    process.exit(1);
  },
);
