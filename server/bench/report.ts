// Medians over rounds, the printed table, the ratios that count, and the JSON record of the run.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BenchOptions } from "./options.ts";
import type { ScenarioName } from "./scenarios.ts";
import { servers, type ServerName } from "./servers/catalogue.ts";

export interface Measurement {
  round: number;
  /** Position of the server in that round's order (orders alternate between rounds). */
  position: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  peakRssMb: number;
  /** CPU the server process spent per request, in microseconds. */
  serverCpuUs: number;
  /** CPU PostgreSQL's processes spent per request. */
  databaseCpuUs: number;
  /** CPU the load tool (this process) spent per request. */
  driverCpuUs: number;
  requests: number;
  failures: number;
  firstFailure?: string;
}

type Metric = Exclude<keyof Measurement, "round" | "position" | "firstFailure">;
const METRICS: Metric[] = [
  "requestsPerSecond",
  "latencyP50Ms",
  "latencyP99Ms",
  "peakRssMb",
  "serverCpuUs",
  "databaseCpuUs",
  "driverCpuUs",
  "requests",
  "failures",
];

export interface Row {
  scenario: ScenarioName;
  server: ServerName;
  /** failed: the correctness gate or the load run failed (see note). */
  status: "measured" | "failed";
  note?: string;
  rounds: Measurement[];
}

export type Medians = Record<Metric, number>;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function medians(rounds: Measurement[]): Medians {
  return Object.fromEntries(METRICS.map((metric) => [metric, median(rounds.map((round) => round[metric]))])) as Medians;
}

export interface Ratio {
  scenario: ScenarioName;
  name: string;
  throughput: number;
  p99: number;
}

const COMPARISONS: [string, ServerName, ServerName][] = [
  ["project/floor", "project", "floor"],
  ["project/postgraphile-v5", "project", "postgraphile-v5"],
  ["project/postgraphile-v4", "project", "postgraphile-v4"],
];

export function ratios(rows: Row[]): Ratio[] {
  const found: Ratio[] = [];
  const measured = (scenario: ScenarioName, server: ServerName) => {
    const row = rows.find((candidate) => candidate.scenario === scenario && candidate.server === server);
    return row?.status === "measured" && row.rounds.length > 0 ? medians(row.rounds) : undefined;
  };
  for (const scenario of new Set(rows.map((row) => row.scenario))) {
    for (const [name, left, right] of COMPARISONS) {
      const a = measured(scenario, left);
      const b = measured(scenario, right);
      if (a && b) {
        found.push({ scenario, name, throughput: a.requestsPerSecond / b.requestsPerSecond, p99: a.latencyP99Ms / b.latencyP99Ms });
      }
    }
  }
  return found;
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "-");

export function renderTable(rows: Row[], options: BenchOptions): string {
  const lines: string[] = [];
  const header = [
    "server",
    "req/s",
    "p50 ms",
    "p99 ms",
    "peak RSS MB",
    "server CPU µs/req",
    "db CPU µs/req",
    "load-tool CPU µs/req",
    "failures",
  ];
  for (const scenario of new Set(rows.map((row) => row.scenario))) {
    const table: string[][] = [header];
    for (const row of rows.filter((candidate) => candidate.scenario === scenario)) {
      const label = servers[row.server].explanatory ? `(${row.server})` : row.server;
      if (row.rounds.length === 0) {
        table.push([label, `failed: ${row.note ?? ""}`]);
        continue;
      }
      const m = medians(row.rounds);
      table.push([
        label,
        fixed(m.requestsPerSecond, 0),
        fixed(m.latencyP50Ms, 0),
        fixed(m.latencyP99Ms, 0),
        fixed(m.peakRssMb, 0),
        fixed(m.serverCpuUs, 0),
        fixed(m.databaseCpuUs, 0),
        fixed(m.driverCpuUs, 0),
        row.status === "failed" ? `FAILED ${row.note ?? ""}` : String(row.rounds.reduce((sum, round) => sum + round.failures, 0)),
      ]);
    }
    lines.push(
      `\n${scenarioTitle(scenario)} (${options.connections} connections, medians of ${options.rounds} round(s) of ${options.durationSeconds} s)`,
    );
    lines.push(...align(table));
    for (const ratio of ratios(rows).filter((candidate) => candidate.scenario === scenario)) {
      lines.push(`  ${ratio.name}: throughput ${ratio.throughput.toFixed(2)}x, p99 ${ratio.p99.toFixed(2)}x`);
    }
  }
  lines.push("\n(parenthesised rows explain a number; they are not competitors. Latency resolution is 1 ms.)");
  return lines.join("\n");
}

function scenarioTitle(scenario: ScenarioName): string {
  return {
    read: "read: my 20 newest tasks (id, title)",
    deep: "deep: my 20 newest tasks with their owner's name",
    write: "write: create a task, then complete it (req/s counts both requests)",
  }[scenario];
}

function align(table: string[][]): string[] {
  const full = table.filter((row) => row.length >= 3);
  const widths = table[0]?.map((_, column) => Math.max(...full.map((row) => (row[column] ?? "").length))) ?? [];
  return table.map((row) =>
    row.length < 3
      ? `  ${row.join("  ")}`
      : `  ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join("  ")}`,
  );
}

export function machine() {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? "unknown",
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverageAtEnd: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

export function writeResults(directory: string, record: unknown): string {
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  const text = `${JSON.stringify(record, null, 2)}\n`;
  writeFileSync(file, text);
  writeFileSync(path.join(directory, "latest.json"), text);
  return file;
}
