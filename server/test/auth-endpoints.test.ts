// Every endpoint Better Auth serves is decided (src/auth/endpoints.ts): an upgrade or a plugin that adds one
// fails here until it is. The refused ones answer 404 to a signed-in user, by GET and by POST, and run
// nothing (no password is checked, nothing changes); so does a path no one has heard of.
import { afterAll, beforeAll, expect, test } from "vitest";
import { AUTH_ENDPOINTS } from "../src/auth/endpoints.ts";
import { PASSWORD, startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
let user: TestUser;
beforeAll(async () => {
  system = await startTestSystem();
  user = await system.signUp("Probe");
});
afterAll(() => system.close());

/** Every path an HTTP client can reach in Better Auth as configured: core endpoints and every plugin's. */
function servedPaths(): string[] {
  const endpoints = Object.values(system.authApp.auth.api as Record<string, { path?: string }>);
  return endpoints.map((endpoint) => endpoint.path).filter((path): path is string => typeof path === "string");
}

test("every endpoint Better Auth serves is decided: allowed or refused, none twice", () => {
  const decided = [...AUTH_ENDPOINTS.allowed, ...AUTH_ENDPOINTS.refused];
  expect(new Set(decided).size).toBe(decided.length);
  expect([...new Set(servedPaths())].sort()).toEqual([...decided].sort());
});

test("every refused endpoint answers 404 to a signed-in user, by GET and POST, and checks no password", async () => {
  const checks = system.passwordChecks;
  for (const path of [...AUTH_ENDPOINTS.refused, "/no-such-endpoint", "/sign-in/email/extra"]) {
    for (const method of ["GET", "POST"] as const) {
      const response = await system.authFetch(`/api/auth${path.replace(/:[a-z]+/g, "google")}`, {
        method,
        headers: { cookie: user.cookie },
        ...(method === "POST" ? { body: JSON.stringify({ password: PASSWORD, userId: user.id, name: "Renamed" }) } : {}),
      });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
  }
  expect(system.passwordChecks).toBe(checks);
  expect((await system.db.user.findUniqueOrThrow({ where: { id: user.id } })).name).toBe("Probe");
});
