// The auth program: the auth service alone (a deployment with DATABASE_URL runs the two services apart).
// Its module graph reaches no GraphQL schema, Yoga or task store (.dependency-cruiser.cjs keeps it so).
// Tracing first, when configured: its hooks must be in place before the service imports node:http and pg.
import { startTracingIfConfigured } from "../tracing/start-if-configured.ts";

await startTracingIfConfigured("tasks-auth");
const { withDevelopmentSecrets } = await import("../runtime/development-secrets.ts");
const { runUntilSignalled } = await import("../runtime/run-until-signalled.ts");
const { startAuthService } = await import("./service.ts");

await runUntilSignalled((env, logger) => startAuthService(withDevelopmentSecrets(env), {}, logger), "Auth service is running:");
