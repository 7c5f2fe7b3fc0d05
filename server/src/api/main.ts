// The API service on its own: it verifies tokens against the auth service's JWKS, never its sessions.
import { runUntilSignalled, startServices } from "../services.ts";

await runUntilSignalled((env) => startServices(env, { auth: false, api: true }), "API service is running:");
