// The auth program: the auth service alone (a deployment with DATABASE_URL runs the two services apart).
// Its module graph reaches no GraphQL schema, Yoga or task store (.dependency-cruiser.cjs keeps it so).
import { withDevelopmentSecrets } from "../runtime/development-secrets.ts";
import { runUntilSignalled } from "../runtime/run-until-signalled.ts";
import { startAuthService } from "./service.ts";

await runUntilSignalled((env, logger) => startAuthService(withDevelopmentSecrets(env), {}, logger), "Auth service is running:");
