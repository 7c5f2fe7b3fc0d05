// How every program of this project runs: start, print what listens where, and stop cleanly on SIGINT,
// SIGTERM or SIGHUP (the embedded PostgreSQL included). Shared by the auth program, the API program and the
// single-process runner; it knows neither service.
import { readEnv, type Env } from "../env.ts";
import { flushTracing } from "../tracing/start-if-configured.ts";

export interface RunningServices {
  lines: string[];
  stop(): Promise<void>;
}

export async function runUntilSignalled(start: (env: Env) => Promise<RunningServices>, banner: string): Promise<void> {
  let running: RunningServices;
  try {
    running = await start(readEnv());
  } catch (error) {
    console.error(`\n${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  console.log(`\n${banner}\n  ${running.lines.join("\n  ")}\n`);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await running.stop();
    // The last requests' spans are still in the batch.
    await flushTracing();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  process.on("SIGHUP", shutdown);
}
