// The admin screen's data: every admin field is refused to anonymous callers (UNAUTHENTICATED) and to
// signed-in non-admins (FORBIDDEN), field by field from the schema itself, so a new admin field fails
// here until it is listed. An admin reads accounts and counts, newest first, a page at a time, and never
// a task's content; bans and ended sessions (Better Auth's admin endpoints) show in the list.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN_POWERS } from "../src/builder.ts";
import { schema } from "../src/schema/index.ts";
import { errorCodes, ops } from "./support/task-operations.ts";
import { startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
let admin: TestUser;
/** The same admin in a session of theirs that only the password started (before the second factor was on). */
let adminByPasswordOnly: TestUser;
let alice: TestUser;
let bob: TestUser;

const SECRET_TITLE = "alice's private title";

beforeAll(async () => {
  system = await startTestSystem();
  const signedUp = await system.signUp("Admin");
  const passwordSession = await system.signIn(signedUp.email);
  admin = await system.makeAdmin(signedUp);
  adminByPasswordOnly = { ...passwordSession, token: await system.tokenFor(passwordSession.cookie) };
  alice = await system.signUp("Alice");
  bob = await system.signUp("Bob");
  for (const title of [SECRET_TITLE, "two", "three"]) await ops(system, alice).create({ title, description: "private description" });
});
afterAll(() => system.close());

const USERS = `query ($first: Int, $after: String) {
  adminUsers(first: $first, after: $after) {
    edges { cursor node { id name email emailVerified createdAt banned banReason lastActiveAt taskCount } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;

/** One query per admin field; the schema decides which fields there are. */
const ADMIN_FIELD_QUERIES: Record<string, string> = {
  adminStats: "{ adminStats { users tasks } }",
  adminUsers: "{ adminUsers { edges { node { id email taskCount } } } }",
  auditEvents: "{ auditEvents { edges { node { id kind subjectId } } } }",
};

interface Listed {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
  createdAt: string;
  banned: boolean;
  banReason: string | null;
  lastActiveAt: string | null;
  taskCount: number;
}

async function listUsers(variables: Record<string, unknown> = {}) {
  const response = await system.graphql(USERS, { token: admin.token, variables });
  expect(response.body.errors).toBeUndefined();
  const connection = (
    response.body.data as { adminUsers: { edges: { cursor: string; node: Listed }[]; pageInfo: Record<string, unknown> } }
  ).adminUsers;
  return { ...connection, response };
}

describe("every admin field is refused without the admin role", () => {
  test("the list of admin fields is the schema's: every Query field whose scope is admin powers (role and step-up)", () => {
    const adminFields = Object.entries(schema.getQueryType()!.getFields())
      .filter(([, field]) => (field.extensions?.pothosOptions as { authScopes?: unknown } | undefined)?.authScopes === ADMIN_POWERS)
      .map(([name]) => name);
    expect(adminFields.sort()).toEqual(Object.keys(ADMIN_FIELD_QUERIES).sort());
  });

  for (const [field, query] of Object.entries(ADMIN_FIELD_QUERIES)) {
    test(`${field}: anonymous UNAUTHENTICATED, a user FORBIDDEN, an admin by password only INSUFFICIENT_USER_AUTHENTICATION, no data`, async () => {
      const anonymous = await system.graphql(query);
      expect(errorCodes(anonymous)).toEqual(["UNAUTHENTICATED"]);
      expect(anonymous.body.data).toEqual({ [field]: null });
      const plain = await system.graphql(query, { token: alice.token });
      expect(errorCodes(plain)).toEqual(["FORBIDDEN"]);
      expect(plain.body.data).toEqual({ [field]: null });
      // Step-up (RFC 9470): the admin role, but no second factor in this session. What to do is in the error.
      const passwordOnly = await system.graphql(query, { token: adminByPasswordOnly.token });
      expect(passwordOnly.body.errors?.map((error) => error.extensions)).toEqual([
        { code: "INSUFFICIENT_USER_AUTHENTICATION", acrValues: "mfa", maxAge: 600 },
      ]);
      expect(passwordOnly.body.data).toEqual({ [field]: null });
      for (const response of [anonymous, plain, passwordOnly]) expect(response.text).not.toContain(bob.email);
      // The same query with an admin's token answers: the refusals above are the scope, not a broken query.
      const allowed = await system.graphql(query, { token: admin.token });
      expect(allowed.body.errors).toBeUndefined();
      expect((allowed.body.data as Record<string, unknown>)[field]).not.toBeNull();
    });
  }
});

describe("an admin's list of users", () => {
  test("newest sign-up first, with metadata and task counts, never task contents", async () => {
    const { edges, pageInfo, response } = await listUsers();
    expect(edges.map((edge) => edge.node.email)).toEqual([bob.email, alice.email, admin.email]);
    const byEmail = new Map(edges.map((edge) => [edge.node.email, edge.node]));
    expect(byEmail.get(alice.email)).toMatchObject({
      id: alice.id,
      name: "Alice",
      emailVerified: true, // signed up through the mailed link
      banned: false,
      banReason: null,
      taskCount: 3,
    });
    expect(byEmail.get(bob.email)).toMatchObject({ taskCount: 0 });
    for (const node of byEmail.values()) {
      expect(Date.parse(node.createdAt)).toBeGreaterThan(Date.now() - 10 * 60_000);
      expect(node.lastActiveAt).not.toBeNull(); // each signed up, so each has a session
    }
    expect(pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    expect(response.text).not.toContain(SECRET_TITLE);
    expect(response.text).not.toContain("private description");
  });

  test("a page at a time: one user per page visits everyone once, in order", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages += 1) {
      const { edges, pageInfo } = await listUsers({ first: 1, after });
      seen.push(...edges.map((edge) => edge.node.email));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor as string;
    }
    expect(seen).toEqual([bob.email, alice.email, admin.email]);
  });

  test("cursors it never handed out and page sizes out of range are BAD_USER_INPUT, before any SQL", async () => {
    const taskCursor = (await ops(system, alice).list()).edges[0]!.cursor;
    const forged = (createdAt: string) => Buffer.from(JSON.stringify(["users", createdAt, alice.id])).toString("base64url");
    for (const after of [
      "garbage",
      taskCursor,
      forged("+275760-09-13T00:00:00.000Z"),
      forged("10000-01-01T00:00:00.000Z"),
      forged("not a time"),
    ]) {
      const response = await system.graphql(USERS, { token: admin.token, variables: { after } });
      expect(errorCodes(response), after).toEqual(["BAD_USER_INPUT"]);
    }
    for (const first of [0, 101])
      expect(errorCodes(await system.graphql(USERS, { token: admin.token, variables: { first } }))).toEqual(["BAD_USER_INPUT"]);
  });

  test("a ban (with its reason) and ended sessions show in the list, and end the user's tokens", async () => {
    const banned = await system.signUp("To be banned");
    expect((await system.graphql("{ me { id } }", { token: banned.token })).status).toBe(200);
    const ban = await system.authFetch("/api/auth/admin/ban-user", {
      method: "POST",
      headers: { cookie: admin.cookie },
      body: JSON.stringify({ userId: banned.id, banReason: "spam" }),
    });
    expect(ban.status).toBe(200);
    const row = (await listUsers()).edges.find((edge) => edge.node.id === banned.id)!.node;
    expect(row).toMatchObject({ banned: true, banReason: "spam", lastActiveAt: null }); // the ban ended every session
    await expect.poll(async () => (await system.graphql("{ me { id } }", { token: banned.token })).status, { timeout: 5000 }).toBe(401);

    const unban = await system.authFetch("/api/auth/admin/unban-user", {
      method: "POST",
      headers: { cookie: admin.cookie },
      body: JSON.stringify({ userId: banned.id }),
    });
    expect(unban.status).toBe(200);
    expect((await listUsers()).edges.find((edge) => edge.node.id === banned.id)!.node).toMatchObject({ banned: false });
  });

  test("an admin cannot ban themself", async () => {
    const response = await system.authFetch("/api/auth/admin/ban-user", {
      method: "POST",
      headers: { cookie: admin.cookie },
      body: JSON.stringify({ userId: admin.id, banReason: "oops" }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("YOU_CANNOT_BAN_YOURSELF");
    expect((await listUsers()).edges.find((edge) => edge.node.id === admin.id)!.node.banned).toBe(false);
  });
});
