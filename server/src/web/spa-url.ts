import type { Env } from "../env.ts";

/** The address to open: the auth service trusts http://localhost:$CLIENT_PORT by default, not 127.0.0.1. */
export function spaUrl(env: Env): string {
  return `http://${isLoopback(env.HOST) ? "localhost" : env.HOST}:${env.CLIENT_PORT}`;
}

/** Where this machine reaches a service listening on `host` (a wildcard address is reached on loopback). */
export function reachableHost(host: string): string {
  return ["0.0.0.0", "::"].includes(host) ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
}

function isLoopback(host: string): boolean {
  return ["127.0.0.1", "localhost", "::1", "0.0.0.0", "::"].includes(host);
}
