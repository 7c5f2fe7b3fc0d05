// Development and single-machine entry point: auth service and API in one process, one database.
import { runUntilSignalled, startServices } from "./services.ts";

await runUntilSignalled((env) => startServices(env, { auth: true, api: true }), "Tasks is running:");
