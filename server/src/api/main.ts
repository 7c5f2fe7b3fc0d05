// The API program: the API service alone. It verifies tokens against the auth service's JWKS, never its
// sessions, and its module graph reaches no auth-service code (.dependency-cruiser.cjs keeps it so).
// Tracing first, when configured: its hooks must be in place before the service imports node:http and pg.
import { startTracingIfConfigured } from "../tracing/start-if-configured.ts";

await startTracingIfConfigured("tasks-api");
const { runUntilSignalled } = await import("../runtime/run-until-signalled.ts");
const { startApiService } = await import("./service.ts");

await runUntilSignalled((env, logger) => startApiService(env, logger), "API service is running:");
