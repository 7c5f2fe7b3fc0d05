// The project's API as its program runs it (`pnpm start:api`, src/api/main.ts): the same start function
// the entry calls, so the process holds exactly the program's module graph (no auth service, no mail),
// where the `project` row starts only the app (src/api/app.ts). Production settings as for `project`.
import { startApiService } from "../../src/api/service.ts";
import { readEnv } from "../../src/env.ts";
import { freePort } from "../../src/net/free-port.ts";
import { HOST, serve } from "./child-runtime.ts";

const LIMIT_NEVER_REACHED = "1000000000";

serve(async (settings) => {
  const port = await freePort();
  const running = await startApiService(
    readEnv({
      NODE_ENV: "production",
      HOST,
      API_PORT: String(port),
      DATABASE_URL: settings.databaseUrl,
      ALLOW_INSECURE_HTTP: "true",
      API_JWKS: settings.keys.jwks,
      JWT_ISSUER: settings.keys.issuer,
      JWT_AUDIENCE: settings.keys.audience,
      JWT_EXPIRATION: "2h",
      JWT_CLOCK_TOLERANCE_SECONDS: String(settings.keys.clockToleranceSeconds),
      API_REQUESTS_PER_MINUTE_PER_USER: LIMIT_NEVER_REACHED,
      API_REQUESTS_PER_MINUTE_PER_IP: LIMIT_NEVER_REACHED,
      API_LIVE_STREAMS_PER_USER: LIMIT_NEVER_REACHED,
      API_LIVE_STREAMS_PER_IP: LIMIT_NEVER_REACHED,
      // Bearer tokens, as the `project` row measures (project-api.ts): production's default takes only DPoP-bound ones.
      API_DPOP: "allowed",
    }),
  );
  return { port, stop: running.stop };
});
