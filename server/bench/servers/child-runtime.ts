// The child side of a measured server: read the run's settings, listen on a free loopback port, tell
// the orchestrator the port, and shut down cleanly when told (a CPU profile is written on a clean exit).
import { writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Session } from "node:inspector/promises";
import { PerformanceObserver } from "node:perf_hooks";
import type { BenchKeys } from "../bench-users.ts";

export interface ServerSettings {
  /** Superuser connection (the project's API, the floor). */
  databaseUrl: string;
  /** Non-superuser connection under row-level security (PostGraphile). */
  postgraphileDatabaseUrl: string;
  keys: BenchKeys;
  poolSize: number;
  /** The project's API only: serve GET /metrics on its port to this bearer (METRICS_TOKEN), as `pnpm soak` reads it. */
  metricsToken?: string;
}

export interface RunningServer {
  port: number;
  stop(): Promise<void>;
}

export const SETTINGS_VARIABLE = "BENCH_SERVER_SETTINGS";
export const HOST = "127.0.0.1";

/** Listens on a free loopback port; stop() closes every connection, then runs `release`. */
export async function listenOnFreePort(server: Server, release: () => unknown): Promise<RunningServer> {
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await release();
    },
  };
}

export type ChildMessage =
  | { type: "ready"; port: number }
  | { type: "profiled"; error?: string }
  | { type: "gc-time"; milliseconds: number };
export type ParentMessage = { type: "stop" } | { type: "profile-start" } | { type: "profile-stop"; file: string } | { type: "gc-time" };

/**
 * Garbage-collection pauses of this process since it started, in milliseconds: V8 reports each
 * collection as a `gc` performance entry; the orchestrator reads the total before and after a run.
 * Observed in every server alike, so its small cost is the same for all of them.
 */
function watchGarbageCollection(): () => number {
  let total = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) total += entry.duration;
  });
  observer.observe({ entryTypes: ["gc"] });
  return () => total;
}

export function serve(start: (settings: ServerSettings) => Promise<RunningServer>): void {
  const raw = process.env[SETTINGS_VARIABLE];
  if (!raw || !process.send) {
    console.error(`Started by the benchmark only (needs an IPC channel and ${SETTINGS_VARIABLE}).`);
    process.exit(2);
  }
  const send = process.send.bind(process);
  const gcMilliseconds = watchGarbageCollection();
  start(JSON.parse(raw) as ServerSettings).then(
    (server) => {
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        server.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            console.error(error);
            process.exit(1);
          },
        );
      };
      const profiler = new Profiler();
      process.on("message", (message: ParentMessage) => {
        if (message.type === "stop") stop();
        if (message.type === "gc-time") send({ type: "gc-time", milliseconds: gcMilliseconds() } satisfies ChildMessage);
        const step =
          message.type === "profile-start" ? profiler.start() : message.type === "profile-stop" ? profiler.stop(message.file) : undefined;
        step?.then(
          () => send({ type: "profiled" } satisfies ChildMessage),
          (error: unknown) => send({ type: "profiled", error: String(error) } satisfies ChildMessage),
        );
      });
      // The orchestrator died: never outlive it.
      process.on("disconnect", stop);
      send({ type: "ready", port: server.port } satisfies ChildMessage);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/**
 * A V8 CPU profile of the measured run only (start-up and warm-up excluded), through the inspector of
 * this process: `node --cpu-prof` would profile the whole life of the process, and of tsx's loader thread.
 */
class Profiler {
  private session: Session | undefined;

  async start(): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.session.post("Profiler.enable");
    await this.session.post("Profiler.setSamplingInterval", { interval: 200 });
    await this.session.post("Profiler.start");
  }

  async stop(file: string): Promise<void> {
    if (!this.session) throw new Error("the profiler was not started");
    const { profile } = await this.session.post("Profiler.stop");
    this.session.disconnect();
    this.session = undefined;
    writeFileSync(file, JSON.stringify(profile));
  }
}
