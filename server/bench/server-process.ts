// One measured server in a child process of its own, so memory and CPU are the server's alone: peak
// RSS from /proc/<pid>/status (VmHWM, reset between scenarios), CPU time from /proc/<pid>/stat.
import { fork, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { processCpuMs, readStatus } from "./proc-stats.ts";
import { SETTINGS_VARIABLE, type ChildMessage, type ParentMessage, type ServerSettings } from "./servers/child-runtime.ts";
import type { ServerEntry } from "./servers/catalogue.ts";

const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;
const serverDirectory = fileURLToPath(new URL("..", import.meta.url));

export interface ServerProcess {
  pid: number;
  url: string;
  /** Peak resident memory since start or the last resetPeakRss, in MB. */
  peakRssMb(): number;
  resetPeakRss(): void;
  cpuMs(): number;
  /** Total garbage-collection pause time of the server process since it started, in ms. */
  gcMs(): Promise<number>;
  /** Profiles the server's CPU from now until stopProfile writes the .cpuprofile file. */
  startProfile(): Promise<void>;
  stopProfile(file: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startServerProcess(entry: ServerEntry, settings: ServerSettings): Promise<ServerProcess> {
  const child = fork(entry.script, entry.args, {
    cwd: serverDirectory,
    execArgv: [...entry.nodeFlags, "--import", "tsx"],
    // NODE_ENV=production for every server: libraries (graphql-js among them) skip development checks.
    env: { ...process.env, NODE_ENV: "production", [SETTINGS_VARIABLE]: JSON.stringify(settings) },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const output: string[] = [];
  const remember = (chunk: Buffer) => {
    output.push(chunk.toString("utf8"));
    if (output.length > 50) output.shift();
  };
  child.stdout?.on("data", remember);
  child.stderr?.on("data", remember);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    function fail(error: Error) {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${entry.name}: ${error.message}\n${output.join("").trim().slice(-3000)}`));
    }
    child.once("exit", (code, signal) => fail(new Error(`exited during start-up (code ${code}, signal ${signal})`)));
    child.once("error", fail);
    child.on("message", (message: ChildMessage) => {
      if (message.type !== "ready") return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolve(message.port);
    });
  });
  const pid = child.pid as number;
  return {
    pid,
    url: `http://127.0.0.1:${port}`,
    peakRssMb: () => readStatus(pid, "VmHWM") / 1024,
    resetPeakRss: () => {
      // Writing 5 to clear_refs resets the peak to the current RSS (Linux >= 4.0). Where that is not
      // allowed, the peak simply counts from the start of the process.
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, "5");
      } catch {}
    },
    cpuMs: () => processCpuMs(pid),
    gcMs: () => gcTime(child),
    startProfile: () => ask(child, { type: "profile-start" }),
    stopProfile: (file) => ask(child, { type: "profile-stop", file }),
    stop: () => stopChild(child, entry.name, output),
  };
}

/** Sends `message` and resolves with the child's first answer of type `answerType`. */
function request<Type extends ChildMessage["type"]>(
  child: ChildProcess,
  message: ParentMessage,
  answerType: Type,
): Promise<Extract<ChildMessage, { type: Type }>> {
  return new Promise((resolve) => {
    const onMessage = (answer: ChildMessage) => {
      if (answer.type !== answerType) return;
      child.off("message", onMessage);
      resolve(answer as Extract<ChildMessage, { type: Type }>);
    };
    child.on("message", onMessage);
    child.send(message);
  });
}

async function ask(child: ChildProcess, message: ParentMessage): Promise<void> {
  const answer = await request(child, message, "profiled");
  if (answer.error) throw new Error(answer.error);
}

async function gcTime(child: ChildProcess): Promise<number> {
  return (await request(child, { type: "gc-time" }, "gc-time")).milliseconds;
}

function stopChild(child: ChildProcess, name: string, output: string[]): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not stop within ${STOP_TIMEOUT_MS / 1000} s`));
    }, STOP_TIMEOUT_MS);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${name} exited with code ${code} on stop:\n${output.join("").trim().slice(-2000)}`));
    });
    child.send({ type: "stop" });
  });
}
