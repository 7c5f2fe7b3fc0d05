// The API program: the API service alone. It verifies tokens against the auth service's JWKS, never its
// sessions, and its module graph reaches no auth-service code (.dependency-cruiser.cjs keeps it so).
import { runUntilSignalled } from "../runtime/run-until-signalled.ts";
import { startApiService } from "./service.ts";

await runUntilSignalled((env, logger) => startApiService(env, logger), "API service is running:");
