// A Redis server of one test's own (the machine's redis-server, no persistence), which the test may stop
// and start again on the same port: fault tests cannot stop the Redis other test files use.
import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "../../src/net/free-port.ts";

export interface RedisServer {
  url: string;
  /** Stops it abruptly (SIGKILL, as a crash or a lost host): its clients see the connection drop. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const started = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = started;
      let printed = "";
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${printed}`)), START_TIMEOUT_MS);
        started.stdout?.on("data", (chunk: Buffer) => {
          printed += chunk.toString("utf8");
          if (printed.includes("Ready to accept connections")) {
            clearTimeout(timer);
            resolve();
          }
        });
        started.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`redis-server exited with ${code}:\n${printed}`));
        });
      });
      started.removeAllListeners("exit");
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once("exit", () => resolve());
        running.kill("SIGKILL");
      });
    },
  };
  await server.start();
  return server;
}
