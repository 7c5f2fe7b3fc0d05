// An admin is not a master key. Over HTTP an admin lists users, bans and unbans them and ends their
// sessions; every other power of Better Auth's admin plugin is refused, one by one, against the plugin's
// full endpoint list (an upgrade that adds an endpoint fails here until it is decided). Each refusal is
// held twice: the path is switched off (404), and the admin role lacks the permission (403) even when the
// endpoint is called in-process, past the HTTP router.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN_ENDPOINTS } from "../src/auth/admin-powers.ts";
import { startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
let admin: TestUser;
let victim: TestUser;

beforeAll(async () => {
  system = await startTestSystem();
  admin = await system.makeAdmin(await system.signUp("Admin"));
  victim = await system.signUp("Victim");
});
afterAll(() => system.close());

const subjectOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")).sub as string;

function adminPluginPaths(): string[] {
  const plugin = system.authApp.auth.options.plugins?.find((candidate) => candidate.id === "admin");
  return Object.values((plugin?.endpoints ?? {}) as Record<string, { path: string }>).map((endpoint) => endpoint.path);
}

test("every endpoint of the admin plugin is decided: allowed or refused", () => {
  expect(adminPluginPaths().sort()).toEqual([...ADMIN_ENDPOINTS.allowed, ...ADMIN_ENDPOINTS.refused].sort());
});

describe("refused over HTTP: 404 for the admin, and nothing changes", () => {
  const bodies: Record<string, unknown> = {
    "/admin/impersonate-user": () => ({ userId: victim.id }),
    "/admin/set-role": () => ({ userId: victim.id, role: "admin" }),
    "/admin/set-user-password": () => ({ userId: victim.id, newPassword: "password1234" }),
    "/admin/create-user": () => ({ email: "made-by-admin@example.com", password: "a long passphrase indeed", name: "Made" }),
    "/admin/update-user": () => ({ userId: victim.id, data: { name: "Renamed by admin" } }),
    "/admin/remove-user": () => ({ userId: victim.id }),
    "/admin/list-user-sessions": () => ({ userId: victim.id }),
  };
  for (const path of ADMIN_ENDPOINTS.refused) {
    test(path, async () => {
      const body = (bodies[path] as (() => unknown) | undefined)?.() ?? {};
      for (const method of ["POST", "GET"] as const) {
        const query = path === "/admin/get-user" && method === "GET" ? `?id=${victim.id}` : "";
        const response = await system.authFetch(`/api/auth${path}${query}`, {
          method,
          headers: { cookie: admin.cookie },
          ...(method === "POST" ? { body: JSON.stringify(body) } : {}),
        });
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(await response.text()).not.toContain(victim.email);
      }
    });
  }

  test("after every refused call: the victim is unchanged, signs in with their own password, and is no admin", async () => {
    const row = await system.db.user.findUniqueOrThrow({ where: { id: victim.id } });
    expect(row).toMatchObject({ role: "user", name: "Victim", banned: false });
    expect(await system.db.user.count({ where: { email: "made-by-admin@example.com" } })).toBe(0);
    const again = await system.signIn(victim.email); // PASSWORD, not "password1234"
    expect(again.id).toBe(victim.id);
    const byAdminPassword = await system.authFetch("/api/auth/sign-in/email", {
      method: "POST",
      body: JSON.stringify({ email: victim.email, password: "password1234" }),
    });
    expect(byAdminPassword.status).toBe(401);
  });
});

test("impersonation is impossible end to end: no token an admin can obtain names another user", async () => {
  const attempt = await system.authFetch("/api/auth/admin/impersonate-user", {
    method: "POST",
    headers: { cookie: admin.cookie },
    body: JSON.stringify({ userId: victim.id }),
  });
  // The browser's cookie jar after the attempt: whatever the answer set replaces the admin's own cookies.
  const jar = new Map(admin.cookie.split("; ").map((pair) => [pair.split("=")[0]!, pair] as const));
  for (const set of attempt.headers.getSetCookie()) jar.set(set.split("=")[0]!, set.split(";")[0]!);
  expect(subjectOf(await system.tokenFor([...jar.values()].join("; ")))).toBe(admin.id);
  expect(await system.db.session.count({ where: { impersonatedBy: { not: null } } })).toBe(0);
});

describe("the second lock: the admin role has no such permission, even past the HTTP router", () => {
  const calls: [string, (headers: Headers) => Promise<unknown>][] = [
    ["impersonateUser", (headers) => system.authApp.auth.api.impersonateUser({ headers, body: { userId: victim.id } })],
    ["setRole", (headers) => system.authApp.auth.api.setRole({ headers, body: { userId: victim.id, role: "admin" } })],
    [
      "setUserPassword",
      (headers) => system.authApp.auth.api.setUserPassword({ headers, body: { userId: victim.id, newPassword: "password1234" } }),
    ],
    [
      "createUser",
      (headers) =>
        system.authApp.auth.api.createUser({ headers, body: { email: "x@example.com", password: "a long passphrase indeed", name: "X" } }),
    ],
    [
      "adminUpdateUser",
      (headers) => system.authApp.auth.api.adminUpdateUser({ headers, body: { userId: victim.id, data: { name: "X" } } }),
    ],
    ["removeUser", (headers) => system.authApp.auth.api.removeUser({ headers, body: { userId: victim.id } })],
    ["listUserSessions", (headers) => system.authApp.auth.api.listUserSessions({ headers, body: { userId: victim.id } })],
    ["getUser", (headers) => system.authApp.auth.api.getUser({ headers, query: { id: victim.id } })],
  ];
  for (const [name, call] of calls) {
    test(name, async () => {
      await expect(call(new Headers({ cookie: admin.cookie }))).rejects.toMatchObject({ statusCode: 403 });
    });
  }
});

describe("allowed: what the admin screen uses", () => {
  test("an admin lists users; a plain user may not", async () => {
    const listed = await system.authFetch("/api/auth/admin/list-users", { headers: { cookie: admin.cookie } });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { users: { id: string }[] }).users.map((user) => user.id)).toContain(victim.id);
    const refused = await system.authFetch("/api/auth/admin/list-users", { headers: { cookie: victim.cookie } });
    expect(refused.status).toBe(403);
  });

  test("an admin bans with a reason and unbans; ends a user's sessions; a plain user may do none of it", async () => {
    const target = await system.signUp("Target");
    const post = (path: string, cookie: string, body: unknown) =>
      system.authFetch(`/api/auth${path}`, { method: "POST", headers: { cookie }, body: JSON.stringify(body) });
    expect((await post("/admin/ban-user", victim.cookie, { userId: target.id })).status).toBe(403);
    expect((await post("/admin/ban-user", admin.cookie, { userId: target.id, banReason: "spam" })).status).toBe(200);
    expect(await system.db.user.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({ banned: true, banReason: "spam" });
    expect((await post("/admin/unban-user", admin.cookie, { userId: target.id })).status).toBe(200);
    expect((await system.db.user.findUniqueOrThrow({ where: { id: target.id } })).banned).toBe(false);

    const signedIn = await system.signIn(target.email);
    expect((await post("/admin/revoke-user-sessions", victim.cookie, { userId: target.id })).status).toBe(403);
    expect((await post("/admin/revoke-user-sessions", admin.cookie, { userId: target.id })).status).toBe(200);
    expect(await system.db.session.count({ where: { userId: target.id } })).toBe(0);
    expect((await system.authFetch("/api/auth/token", { headers: { cookie: signedIn.cookie } })).status).toBe(401);
  });
});
