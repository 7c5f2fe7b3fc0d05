// Linux process accounting read from /proc: CPU time of a process (or of every child of one, for
// PostgreSQL's backends) and fields of /proc/<pid>/status.
import { readdirSync, readFileSync } from "node:fs";

/** Kernel clock ticks per second; 100 on every Linux distribution Node supports. */
const TICKS_PER_SECOND = 100;

interface StatLine {
  parentPid: number;
  cpuTicks: number;
}

function readStat(pid: number): StatLine | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined; // The process has exited.
  }
  // The command name may contain spaces and parentheses: fields start after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After the name: state(0) ppid(1) ... utime(11) stime(12).
  return { parentPid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

export function processCpuMs(pid: number): number {
  return ((readStat(pid)?.cpuTicks ?? 0) * 1000) / TICKS_PER_SECOND;
}

/** CPU time of the live children of `parentPid` (PostgreSQL's backends and workers), by pid. */
export function childrenCpuMs(parentPid: number): Map<number, number> {
  const result = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat?.parentPid === parentPid) result.set(Number(entry), (stat.cpuTicks * 1000) / TICKS_PER_SECOND);
  }
  return result;
}

/** CPU spent by children between two snapshots; a child born in between counts from zero. */
export function childrenCpuDeltaMs(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}

/** A numeric field of /proc/<pid>/status, in the file's unit (kB for memory). */
export function readStatus(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]);
}
