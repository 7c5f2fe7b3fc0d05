// An API instance as a separate process (src/api/main.ts, exactly as `pnpm start:api` runs it) on the
// test's database and auth service: what "several instances" means in production. It learns about
// revocations only through the database (LISTEN/NOTIFY), as every real instance does. Also both services
// in one process (src/main.ts), and either on a host whose clock is off.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../src/net/free-port.ts";
import { SPA_ORIGIN, type TestSystem } from "./test-system.ts";

const serverDirectory = fileURLToPath(new URL("../..", import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface ApiProcess {
  url: string;
  /** What the process printed (its log), for assertions and for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function startApiProcess(
  system: TestSystem,
  env: Record<string, string> = {},
  port?: number,
  options: { clockShiftMs?: number } = {},
): Promise<ApiProcess> {
  const apiPort = port ?? (await freePort());
  const child = spawnService("src/api/main.ts", clockShift(options.clockShiftMs), {
    API_PORT: String(apiPort),
    DATABASE_URL: system.database.url,
    AUTH_BASE_URL: system.authUrl,
    JWT_ISSUER: system.apiConfig.issuer,
    JWT_AUDIENCE: system.apiConfig.audience,
    ...env,
  });
  await started(child, "API service is running");
  return {
    url: `http://127.0.0.1:${apiPort}/graphql`,
    output: () => output.get(child) ?? "",
    stop: () => stopChild(child),
  };
}

export interface ServicesProcess extends ApiProcess {
  /** The process's own auth service, e.g. http://127.0.0.1:1234 (its /api/auth endpoints below it). */
  authUrl: string;
}

/**
 * The auth service and the API in one process (src/main.ts, as `pnpm start` runs them) on the test's
 * database and BETTER_AUTH_SECRET, so it signs with the same keys and sees the same users. With
 * `clockShiftMs`, the process runs as on a host whose clock is that far off (support/shifted-clock.ts).
 */
export async function startServicesProcess(
  system: TestSystem,
  options: { clockShiftMs?: number; env?: Record<string, string> } = {},
): Promise<ServicesProcess> {
  const [apiPort, authPort] = [await freePort(), await freePort()];
  const authUrl = `http://127.0.0.1:${authPort}`;
  const mailDirectory = mkdtempSync(path.join(tmpdir(), "tasks-test-process-mail-"));
  const child = spawnService("src/main.ts", clockShift(options.clockShiftMs), {
    API_PORT: String(apiPort),
    AUTH_PORT: String(authPort),
    DATABASE_URL: system.database.url,
    AUTH_BASE_URL: authUrl,
    BETTER_AUTH_SECRET: system.authConfig.secret,
    AUTH_TRUSTED_ORIGINS: SPA_ORIGIN,
    JWT_ISSUER: system.apiConfig.issuer,
    JWT_AUDIENCE: system.apiConfig.audience,
    MAIL_CATCHER_DIR: mailDirectory,
    AUTH_SIGN_IN_PER_MINUTE: "0",
    AUTH_SIGN_UP_PER_MINUTE: "0",
    ...options.env,
  });
  await started(child, "Tasks is running");
  return {
    url: `http://127.0.0.1:${apiPort}/graphql`,
    authUrl,
    output: () => output.get(child) ?? "",
    stop: async () => {
      await stopChild(child);
      rmSync(mailDirectory, { recursive: true, force: true });
    },
  };
}

const output = new WeakMap<ChildProcess, string>();

/** Node's arguments and environment for a process whose clock is `shiftMs` off (none when absent). */
function clockShift(shiftMs: number | undefined): { preload: string[]; env: Record<string, string> } {
  if (!shiftMs) return { preload: [], env: {} };
  return { preload: ["--import", "./test/support/shifted-clock.ts"], env: { SHIFTED_CLOCK_MS: String(shiftMs) } };
}

function spawnService(entry: string, shift: ReturnType<typeof clockShift>, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", ...shift.preload, entry], {
    cwd: serverDirectory,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TZ: process.env.TZ,
      NODE_ENV: "development",
      HOST: "127.0.0.1",
      // The tests send far more than a person would: rate limits are not what they measure.
      API_REQUESTS_PER_MINUTE_PER_USER: "0",
      API_REQUESTS_PER_MINUTE_PER_IP: "0",
      ...shift.env,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  output.set(child, "");
  const print = (chunk: Buffer) => output.set(child, (output.get(child) ?? "") + chunk.toString("utf8"));
  child.stdout?.on("data", print);
  child.stderr?.on("data", print);
  return child;
}

function started(child: ChildProcess, banner: string): Promise<void> {
  const printed = () => output.get(child) ?? "";
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const poll = setInterval(() => {
      if (!printed().includes(banner)) return;
      clearTimeout(timer);
      clearInterval(poll);
      child.removeAllListeners("exit");
      resolve();
    }, 25);
    function fail(error: Error) {
      clearTimeout(timer);
      clearInterval(poll);
      child.kill("SIGKILL");
      reject(new Error(`service process: ${error.message}\n${printed().slice(-3000)}`));
    }
    child.once("exit", (code, signal) => fail(new Error(`exited during start-up (code ${code}, signal ${signal})`)));
  });
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
