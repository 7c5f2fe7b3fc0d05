// An API instance as a separate process (src/api/main.ts, exactly as `pnpm start:api` runs it) on the
// test's database and auth service: what "several instances" means in production. It learns about
// revocations only through the database (LISTEN/NOTIFY), as every real instance does.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../../src/net/free-port.ts";
import type { TestSystem } from "./test-system.ts";

const serverDirectory = fileURLToPath(new URL("../..", import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface ApiProcess {
  url: string;
  /** What the process printed (its log), for assertions and for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function startApiProcess(system: TestSystem, env: Record<string, string> = {}, port?: number): Promise<ApiProcess> {
  const apiPort = port ?? (await freePort());
  const child = spawn(process.execPath, ["--import", "tsx", "src/api/main.ts"], {
    cwd: serverDirectory,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TZ: process.env.TZ,
      NODE_ENV: "development",
      HOST: "127.0.0.1",
      API_PORT: String(apiPort),
      DATABASE_URL: system.database.url,
      AUTH_BASE_URL: system.authUrl,
      JWT_ISSUER: system.apiConfig.issuer,
      JWT_AUDIENCE: system.apiConfig.audience,
      // The tests send far more than a person would: rate limits are not what they measure.
      API_REQUESTS_PER_MINUTE_PER_USER: "0",
      API_REQUESTS_PER_MINUTE_PER_IP: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let printed = "";
  child.stdout?.on("data", (chunk: Buffer) => (printed += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (printed += chunk.toString("utf8")));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const poll = setInterval(() => {
      if (!printed.includes("API service is running")) return;
      clearTimeout(timer);
      clearInterval(poll);
      child.removeAllListeners("exit");
      resolve();
    }, 25);
    function fail(error: Error) {
      clearTimeout(timer);
      clearInterval(poll);
      child.kill("SIGKILL");
      reject(new Error(`API process: ${error.message}\n${printed.slice(-3000)}`));
    }
    child.once("exit", (code, signal) => fail(new Error(`exited during start-up (code ${code}, signal ${signal})`)));
  });
  return {
    url: `http://127.0.0.1:${apiPort}/graphql`,
    output: () => printed,
    stop: () => stopChild(child),
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
