// Scope rules, each as a pair: refused without the scope, allowed with it. Roles come from the token.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { errorCodes, ops } from "./support/task-operations.ts";
import { startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
let user: TestUser;
let admin: TestUser;

beforeAll(async () => {
  system = await startTestSystem();
  user = await system.signUp("Plain");
  admin = await system.makeAdmin(await system.signUp("Admin"));
  await ops(system, user).create({ title: "one" });
  await ops(system, admin).create({ title: "two" });
});
afterAll(() => system.close());

const ADMIN_STATS = "{ adminStats { users tasks } }";

describe("adminStats (admin scope)", () => {
  test("anonymous callers are refused with UNAUTHENTICATED", async () => {
    const response = await system.graphql(ADMIN_STATS);
    expect(response.status).toBe(200);
    expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
    expect(response.body.data).toEqual({ adminStats: null });
  });

  test("signed-in users without the admin role are refused with FORBIDDEN", async () => {
    const response = await system.graphql(ADMIN_STATS, { token: user.token });
    expect(errorCodes(response)).toEqual(["FORBIDDEN"]);
    expect(response.body.errors?.[0]?.message).toBe("You are not allowed to do this.");
    expect(response.body.data).toEqual({ adminStats: null });
  });

  test("an admin's token reads the totals", async () => {
    const response = await system.graphql(ADMIN_STATS, { token: admin.token });
    expect(response.body).toEqual({ data: { adminStats: { users: 2, tasks: 2 } } });
  });

  test("an admin's token issued before the grant still carries the user role", async () => {
    // Its second factor first (turning it on replaces the session, and with it the session's tokens).
    const promoted = await system.turnOnSecondFactor(await system.signUp("Later admin"));
    const oldToken = promoted.token;
    await system.makeAdmin(promoted);
    expect(errorCodes(await system.graphql(ADMIN_STATS, { token: oldToken }))).toEqual(["FORBIDDEN"]);
  });
});

describe("task operations (loggedIn scope)", () => {
  const anonymousCalls: [string, string][] = [
    ["tasks", "{ tasks { totalCount } }"],
    ["task", '{ task(id: "x") { id } }'],
    ["createTask", 'mutation { createTask(input: { title: "x" }) { id } }'],
    ["updateTask", 'mutation { updateTask(id: "x", input: { title: "y" }) { id } }'],
    ["deleteTask", 'mutation { deleteTask(id: "x") }'],
  ];

  test.each(anonymousCalls)("anonymous %s is refused with UNAUTHENTICATED and writes nothing", async (_name, query) => {
    const before = await system.db.task.count();
    const response = await system.graphql(query);
    expect(response.status).toBe(200);
    expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
    expect(response.text).not.toContain("Unexpected error");
    expect(await system.db.task.count()).toBe(before);
  });

  test("the same operations succeed with a token", async () => {
    const mine = ops(system, user);
    const created = await mine.create({ title: "x" });
    expect((await mine.get(created.id)).body.data?.task?.id).toBe(created.id);
    expect((await mine.update(created.id, { title: "y" })).body.data?.updateTask?.title).toBe("y");
    expect((await mine.delete(created.id)).body.data?.deleteTask).toBe(created.id);
    expect((await mine.list()).totalCount).toBe(1);
  });

  test("me is null for anonymous callers, and the caller for a token", async () => {
    expect((await system.graphql("{ me { id } }")).body).toEqual({ data: { me: null } });
    expect((await system.graphql("{ me { id email role } }", { token: admin.token })).body).toEqual({
      data: { me: { id: admin.id, email: admin.email, role: "admin" } },
    });
  });
});
