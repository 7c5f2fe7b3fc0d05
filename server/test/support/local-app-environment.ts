// The environment for running the app as `pnpm dev` / `pnpm start` would, in a child process of a test:
// development settings, free ports for every service, the embedded PostgreSQL in the test's own data
// folder, and never the DATABASE_URL the test run itself may have been given.
import { freePort } from "../../src/net/free-port.ts";

export interface LocalAppPorts {
  client: number;
  auth: number;
  api: number;
  postgres: number;
}

export async function localAppEnvironment(options: {
  dataDir: string;
  /** Where the development mail catcher saves what it catches (kept out of the PostgreSQL folder). */
  mailDir: string;
  secret: string;
}): Promise<{ ports: LocalAppPorts; environment: NodeJS.ProcessEnv }> {
  const [client, auth, api, postgres] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const { DATABASE_URL: _external, ...inherited } = process.env;
  return {
    ports: { client, auth, api, postgres },
    environment: {
      ...inherited,
      NODE_ENV: "development",
      HOST: "127.0.0.1",
      CLIENT_PORT: String(client),
      AUTH_PORT: String(auth),
      API_PORT: String(api),
      EMBEDDED_POSTGRES_PORT: String(postgres),
      EMBEDDED_POSTGRES_DIR: options.dataDir,
      MAIL_CATCHER_DIR: options.mailDir,
      BETTER_AUTH_SECRET: options.secret,
    },
  };
}
