// How every program of this project runs: start, print what listens where, and stop cleanly on SIGINT,
// SIGTERM or SIGHUP (the embedded PostgreSQL included). Shared by the auth program, the API program and the
// single-process runner; it knows neither service. The program's logger is made here, from LOG_LEVEL and
// NODE_ENV, and handed to what it starts.
import { logConfig } from "../config.ts";
import { readEnv, type Env } from "../env.ts";
import { createLogger, type Logger } from "../logging/logger.ts";
import { flushTracing } from "../tracing/start-if-configured.ts";

export interface RunningServices {
  lines: string[];
  stop(): Promise<void>;
}

export async function runUntilSignalled(start: (env: Env, logger: Logger) => Promise<RunningServices>, banner: string): Promise<void> {
  let running: RunningServices;
  let json = false;
  let logger: Logger | undefined;
  try {
    const env = readEnv();
    const config = logConfig(env);
    json = config.format === "json";
    logger = createLogger(config);
    running = await start(env, logger);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Production's log is JSON lines, a refusal to start included; a person at a terminal reads plain text.
    if (json && logger) logger.fatal(message);
    else console.error(`\n${message}\n`);
    process.exit(1);
  }
  if (json) logger.info({ listening: running.lines }, banner.replace(/:$/, ""));
  else console.log(`\n${banner}\n  ${running.lines.join("\n  ")}\n`);
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
