// The built SPA served by the project's web server, its /api/auth and /graphql passed over HTTP to an auth
// service and an API started apart, so the test can stop the auth service (an outage, a deploy gone wrong) and
// start it again on the same port while the API and the page go on.
import { type RunningServices, startServices } from "../../../server/src/services.ts";
import { testEnvironment, type RunningApp } from "./app-server.ts";
import { startSpaBehindProxies } from "./late-services.ts";

export interface AppWithStoppableAuth extends RunningApp {
  stopAuth(): Promise<void>;
  startAuth(): Promise<void>;
}

/** `env` overrides the test defaults for both services, e.g. { JWT_EXPIRATION: "8s" }. */
export async function startAppWithStoppableAuth(env: Record<string, string> = {}): Promise<AppWithStoppableAuth> {
  const spa = await startSpaBehindProxies();
  // The proxy here does not keep the browser's Host: the API learns the address proofs name (htu) from this.
  const environment = testEnvironment(spa.database.url, spa.ports, spa.mailDir, { API_PUBLIC_ORIGIN: spa.url, ...env });
  const api: RunningServices = await startServices(environment, { auth: false, api: true });
  let auth: RunningServices | null = await startServices(environment, { auth: true, api: false, devMailPage: true });
  return {
    url: spa.url,
    apiUrl: spa.apiUrl,
    async stopAuth() {
      await auth?.stop();
      auth = null;
    },
    async startAuth() {
      auth ??= await startServices(environment, { auth: true, api: false, devMailPage: true });
    },
    async grantAdmin() {
      throw new Error("not on this system");
    },
    async stop() {
      await auth?.stop();
      await api.stop();
      await spa.stop();
    },
  };
}
