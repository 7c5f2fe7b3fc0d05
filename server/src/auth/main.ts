// The auth service on its own (a deployment with DATABASE_URL runs the two services apart).
import { runUntilSignalled, startServices } from "../services.ts";

await runUntilSignalled((env) => startServices(env, { auth: true, api: false }), "Auth service is running:");
