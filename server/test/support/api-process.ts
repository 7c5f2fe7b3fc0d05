// An API instance as a separate process (src/api/main.ts, exactly as `pnpm start:api` runs it) on the
// test's database and auth service: what "several instances" means in production. It learns about
// revocations only through the database (LISTEN/NOTIFY), as every real instance does.
import { freePort } from "../../src/net/free-port.ts";
import { startServiceProcess, type ServiceProcess } from "./service-process.ts";
import type { TestSystem } from "./test-system.ts";

export interface ApiProcess extends ServiceProcess {
  url: string;
}

export async function startApiProcess(system: TestSystem, env: Record<string, string> = {}, port?: number): Promise<ApiProcess> {
  const apiPort = port ?? (await freePort());
  const child = await startServiceProcess(
    "src/api/main.ts",
    {
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
    "API service is running",
  );
  return { ...child, url: `http://127.0.0.1:${apiPort}/graphql` };
}
