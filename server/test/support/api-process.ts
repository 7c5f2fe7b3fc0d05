// An API instance as a separate process (src/api/main.ts, exactly as `pnpm start:api` runs it) on the
// test's database and auth service: what "several instances" means in production. It learns about
// revocations only through the database (LISTEN/NOTIFY), as every real instance does. Also both services
// in one process (src/main.ts), and either on a host whose clock is off.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../../src/net/free-port.ts";
import { startServiceProcess, type ServiceProcess } from "./service-process.ts";
import { SPA_ORIGIN, type TestSystem } from "./test-system.ts";

export interface ApiProcess extends ServiceProcess {
  url: string;
}

export async function startApiProcess(
  system: TestSystem,
  env: Record<string, string> = {},
  port?: number,
  options: { clockShiftMs?: number } = {},
): Promise<ApiProcess> {
  return port === undefined
    ? onFreePorts(() => startApiProcessOn(system, env, undefined, options))
    : startApiProcessOn(system, env, port, options);
}

/**
 * A free port can be taken by another process between being found and being listened on (tests run beside
 * each other): a start that fails with EADDRINUSE is tried again on new ports, at most three times.
 */
async function onFreePorts<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= 3 || !String(error).includes("EADDRINUSE")) throw error;
    }
  }
}

async function startApiProcessOn(
  system: TestSystem,
  env: Record<string, string>,
  port: number | undefined,
  options: { clockShiftMs?: number },
): Promise<ApiProcess> {
  const apiPort = port ?? (await freePort());
  const shift = clockShift(options.clockShiftMs);
  const child = await startServiceProcess(
    "src/api/main.ts",
    {
      ...common,
      API_PORT: String(apiPort),
      DATABASE_URL: system.database.url,
      AUTH_BASE_URL: system.authUrl,
      JWT_ISSUER: system.apiConfig.issuer,
      JWT_AUDIENCE: system.apiConfig.audience,
      ...shift.env,
      ...env,
    },
    "API service is running",
    { preload: shift.preload },
  );
  return { ...child, url: `http://127.0.0.1:${apiPort}/graphql` };
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
export function startServicesProcess(
  system: TestSystem,
  options: { clockShiftMs?: number; env?: Record<string, string> } = {},
): Promise<ServicesProcess> {
  return onFreePorts(() => startServicesProcessOnce(system, options));
}

async function startServicesProcessOnce(
  system: TestSystem,
  options: { clockShiftMs?: number; env?: Record<string, string> },
): Promise<ServicesProcess> {
  const [apiPort, authPort] = [await freePort(), await freePort()];
  const authUrl = `http://127.0.0.1:${authPort}`;
  const mailDirectory = mkdtempSync(path.join(tmpdir(), "tasks-test-process-mail-"));
  const shift = clockShift(options.clockShiftMs);
  const child = await startServiceProcess(
    "src/main.ts",
    {
      ...common,
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
      ...shift.env,
      ...options.env,
    },
    "Tasks is running",
    { preload: shift.preload },
  ).catch((error: unknown) => {
    rmSync(mailDirectory, { recursive: true, force: true });
    throw error;
  });
  return {
    ...child,
    url: `http://127.0.0.1:${apiPort}/graphql`,
    authUrl,
    stop: async () => {
      await child.stop();
      rmSync(mailDirectory, { recursive: true, force: true });
    },
  };
}

const common = {
  NODE_ENV: "development",
  HOST: "127.0.0.1",
  // The tests send far more than a person would: rate limits are not what they measure.
  API_REQUESTS_PER_MINUTE_PER_USER: "0",
  API_REQUESTS_PER_MINUTE_PER_IP: "0",
};

/** The preload and environment for a process whose clock is `shiftMs` off (none when absent). */
function clockShift(shiftMs: number | undefined): { preload: string[]; env: Record<string, string> } {
  if (!shiftMs) return { preload: [], env: {} };
  return { preload: ["./test/support/shifted-clock.ts"], env: { SHIFTED_CLOCK_MS: String(shiftMs) } };
}
