// A service as a separate process, started exactly as its `pnpm start*` script runs it (node with the tsx
// loader on its entry file), with only the environment given: nothing from this test run's own.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const serverDirectory = fileURLToPath(new URL("../..", import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface ServiceProcess {
  /** What the process printed (its log), for assertions and for failure messages. */
  output(): string;
  /** The same, standard output and standard error apart. */
  streams(): { stdout: string; stderr: string };
  /** Still running: not exited, not killed. */
  alive(): boolean;
  stop(): Promise<void>;
  /** Kills it at once with `signal` (SIGKILL: no shutdown, as a crash or an OOM kill) and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** The process id, for reading its resource use (ps, /proc). */
  pid: number;
}

export interface ServiceProcessOptions {
  /** More modules for node's --import, after tsx (a shifted clock: support/shifted-clock.ts). */
  preload?: string[];
  /** Run a built program (dist/...js) with plain node, as production does: no TypeScript loader. */
  built?: boolean;
}

/** Starts `entry` (relative to server/) and resolves once it has printed `readyText`. */
export async function startServiceProcess(
  entry: string,
  env: Record<string, string>,
  readyText: string,
  options: ServiceProcessOptions = {},
): Promise<ServiceProcess> {
  const loader = options.built ? [] : ["--import", "tsx", ...(options.preload ?? []).flatMap((module) => ["--import", module])];
  const child = spawn(process.execPath, [...loader, entry], {
    cwd: serverDirectory,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TZ: process.env.TZ, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let printed = "";
  const streams = { stdout: "", stderr: "" };
  child.stdout?.on("data", (chunk: Buffer) => {
    printed += chunk.toString("utf8");
    streams.stdout += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    printed += chunk.toString("utf8");
    streams.stderr += chunk.toString("utf8");
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const poll = setInterval(() => {
      if (!printed.includes(readyText)) return;
      clearTimeout(timer);
      clearInterval(poll);
      child.removeAllListeners("exit");
      resolve();
    }, 25);
    function fail(error: Error) {
      clearTimeout(timer);
      clearInterval(poll);
      child.kill("SIGKILL");
      reject(new Error(`${entry}: ${error.message}\n${printed.slice(-3000)}`));
    }
    child.once("exit", (code, signal) => fail(new Error(`exited during start-up (code ${code}, signal ${signal})`)));
  });
  return {
    output: () => printed,
    streams: () => ({ ...streams }),
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: () => stopChild(child),
    kill: (signal) =>
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            child.once("exit", () => resolve());
            child.kill(signal);
          }),
    pid: child.pid!,
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
