// Resolver-level isolation: two real users with real tokens, every Task operation, through the real
// Yoga app. A's tasks never reach B by any path, and B's writes to A's tasks change nothing. Bob signs in
// with two-step verification on (his token says amr pwd otp mfa), Alice with the password alone: how a
// session was authenticated opens nothing of anyone else's, either way round.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { taskOrders } from "../src/tasks/task-order.ts";
import { expectedIds, type ListFilter } from "./support/task-model.ts";
import { dataOf, errorCodes, ops, type TaskView } from "./support/task-operations.ts";
import { decodePayload } from "./support/token-forgery.ts";
import { startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
let alice: TestUser;
let bob: TestUser;
let aliceTasks: TaskView[];

beforeAll(async () => {
  system = await startTestSystem();
  alice = await system.signUp("Alice");
  bob = await system.turnOnSecondFactor(await system.signUp("Bob"));
  // The premise: the two tokens differ in how their sessions were authenticated.
  expect([decodePayload(alice.token).amr, decodePayload(bob.token).amr]).toEqual([["pwd"], ["pwd", "otp", "mfa"]]);
  aliceTasks = [];
  for (const title of ["Alice one", "Alice two", "Alice three", "shared word"]) {
    aliceTasks.push(await ops(system, alice).create({ title, description: "secret of alice" }));
  }
  await ops(system, bob).create({ title: "Bob one" });
  await ops(system, bob).create({ title: "shared word too" });
});
afterAll(() => system.close());

const aliceTask = () => aliceTasks[0]!;

describe("reads", () => {
  test("each user's task list holds exactly their own tasks", async () => {
    const aliceList = await ops(system, alice).listAll();
    const bobList = await ops(system, bob).listAll();
    expect(aliceList.map((task) => task.title).sort()).toEqual(["Alice one", "Alice three", "Alice two", "shared word"]);
    expect(bobList.map((task) => task.title).sort()).toEqual(["Bob one", "shared word too"]);
  });

  test("totalCount counts only your own tasks, with and without a filter", async () => {
    expect((await ops(system, bob).list()).totalCount).toBe(2);
    expect((await ops(system, bob).list({ filter: { search: "shared" } })).totalCount).toBe(1);
    expect((await ops(system, bob).list({ filter: { completed: false } })).totalCount).toBe(2);
    expect((await ops(system, alice).list({ filter: { search: "secret" } })).totalCount).toBe(4);
  });

  test("searching for another user's text finds nothing", async () => {
    const page = await ops(system, bob).list({ filter: { search: "secret of alice" } });
    expect(page.totalCount).toBe(0);
    expect(page.edges).toEqual([]);
  });

  test("another user's task reads as null, exactly like a task that does not exist", async () => {
    const stranger = await ops(system, bob).get(aliceTask().id);
    const missing = await ops(system, bob).get("00000000-0000-4000-8000-000000000000");
    expect(stranger.status).toBe(200);
    expect(stranger.body).toEqual({ data: { task: null } });
    expect(missing.body).toEqual({ data: { task: null } });
  });

  test("the owner reads their task by id", async () => {
    expect(dataOf(await ops(system, alice).get(aliceTask().id)).task).toEqual(aliceTask());
  });

  test("no cursor handed to a user names another user's task", async () => {
    const page = await ops(system, bob).list({ first: 100 });
    const cursorsText = page.edges.map((edge) => Buffer.from(edge.cursor, "base64url").toString("utf8")).join("\n");
    for (const task of aliceTasks) expect(cursorsText).not.toContain(task.id);
  });
});

describe("cursors", () => {
  // Erin and Frank own the same six tasks, so every position in every order is held by tasks of both:
  // equal titles, equal creation times and equal due dates (some none) on both sides of any cursor.
  const template = [
    { title: "apple", description: "", completed: false, dueAt: "2031-01-01T00:00:00.000Z", createdAt: "2030-01-01 00:00:00.000" },
    { title: "banana", description: "the Needle", completed: true, dueAt: null, createdAt: "2030-01-01 00:00:00.000" },
    { title: "banana", description: "", completed: false, dueAt: "2031-01-02T00:00:00.000Z", createdAt: "2030-01-02 00:00:00.000" },
    { title: "cherry", description: "", completed: true, dueAt: "2031-01-01T00:00:00.000Z", createdAt: "2030-01-02 00:00:00.000" },
    { title: "needle", description: "", completed: false, dueAt: null, createdAt: "2030-01-03 00:00:00.000" },
    {
      title: "apple",
      description: "NEEDLE again",
      completed: true,
      dueAt: "2031-01-02T00:00:00.000Z",
      createdAt: "2030-01-03 00:00:00.000",
    },
  ];
  const filters: (ListFilter | undefined)[] = [undefined, { completed: true }, { completed: false }, { search: "needle" }];
  type Owner = { user: TestUser; tasks: TaskView[] };
  let readerAndStranger: [Owner, Owner][];

  beforeAll(async () => {
    const erin = await system.signUp("Erin");
    const frank = await system.signUp("Frank");
    for (const { createdAt, ...input } of template) {
      for (const user of [erin, frank]) {
        const task = await ops(system, user).create(input);
        await system.db.$executeRaw`UPDATE task SET "createdAt" = ${createdAt}::timestamp WHERE id = ${task.id}`;
      }
    }
    const erinOwns = { user: erin, tasks: await ops(system, erin).listAll() };
    const frankOwns = { user: frank, tasks: await ops(system, frank).listAll() };
    readerAndStranger = [
      [erinOwns, frankOwns],
      [frankOwns, erinOwns],
    ];
  });

  test.each(taskOrders)(
    "%s: every cursor from another user's list pages through exactly your own tasks after it, with every filter",
    async (orderBy) => {
      for (const [reader, stranger] of readerAndStranger) {
        const foreignEdges = (await ops(system, stranger.user).list({ first: 100, orderBy })).edges;
        expect(foreignEdges).toHaveLength(template.length);
        for (const filter of filters) {
          await Promise.all(
            foreignEdges.map(async ({ cursor, node: position }) => {
              const page = await ops(system, reader.user).list({ first: 100, after: cursor, orderBy, filter });
              const shown = page.edges.map((edge) => edge.node.id);
              expect(shown, `${orderBy} ${JSON.stringify(filter)} after ${position.title}/${position.dueAt}/${position.createdAt}`).toEqual(
                expectedIds(reader.tasks, { orderBy, filter, after: position }),
              );
              expect(page.pageInfo.hasNextPage).toBe(false);
            }),
          );
        }
      }
    },
  );
});

describe("writes", () => {
  test("updating another user's task fails with NOT_FOUND and changes nothing", async () => {
    const before = dataOf(await ops(system, alice).get(aliceTask().id)).task;
    const response = await ops(system, bob).update(aliceTask().id, { title: "pwned", completed: true });
    expect(errorCodes(response)).toEqual(["NOT_FOUND"]);
    expect(response.body.data).toBeNull();
    expect(dataOf(await ops(system, alice).get(aliceTask().id)).task).toEqual(before);
  });

  test("a stranger's task and a missing task give the same update error, word for word", async () => {
    const stranger = await ops(system, bob).update(aliceTask().id, { title: "x" });
    const missing = await ops(system, bob).update("00000000-0000-4000-8000-000000000000", { title: "x" });
    expect(stranger.status).toBe(missing.status);
    expect(stranger.body).toEqual(missing.body);
  });

  test("deleting another user's task fails with NOT_FOUND and the task survives", async () => {
    const response = await ops(system, bob).delete(aliceTask().id);
    expect(errorCodes(response)).toEqual(["NOT_FOUND"]);
    const missing = await ops(system, bob).delete("no-such-task");
    expect(missing.body).toEqual(response.body);
    expect(dataOf(await ops(system, alice).get(aliceTask().id)).task).toEqual(aliceTask());
    expect((await ops(system, alice).list()).totalCount).toBe(4);
  });

  test("the owner updates, completes, clears the due date of and deletes their own task", async () => {
    const task = await ops(system, alice).create({ title: "Own", dueAt: "2030-01-02T03:04:05.000Z" });
    expect(task.dueAt).toBe("2030-01-02T03:04:05.000Z");
    const updated = dataOf(await ops(system, alice).update(task.id, { title: "Own, renamed", completed: true, dueAt: null })).updateTask;
    expect(updated).toMatchObject({ id: task.id, title: "Own, renamed", completed: true, dueAt: null, description: "" });
    const reopened = dataOf(await ops(system, alice).update(task.id, { completed: false })).updateTask;
    expect(reopened).toMatchObject({ title: "Own, renamed", completed: false });
    expect(dataOf(await ops(system, alice).delete(task.id)).deleteTask).toBe(task.id);
    expect((await ops(system, alice).get(task.id)).body).toEqual({ data: { task: null } });
    expect(errorCodes(await ops(system, alice).delete(task.id))).toEqual(["NOT_FOUND"]);
  });

  test("a created task belongs to the token's user, whatever the input says", async () => {
    const response = await ops(system, bob).send(`mutation { createTask(input: { title: "mine", userId: "${alice.id}" }) { id } }`);
    // There is no userId in any input type: the request is refused before anything is written.
    expect(response.body.errors?.[0]?.message).toContain("userId");
    expect((await ops(system, alice).list()).totalCount).toBe(4);
  });
});

describe("deleting a user", () => {
  test("deletes their tasks with them", async () => {
    const carol = await system.signUp("Carol");
    await ops(system, carol).create({ title: "Carol's" });
    await system.db.user.delete({ where: { id: carol.id } });
    const remaining = await system.db.$queryRaw<{ count: bigint }[]>`SELECT count(*) FROM task WHERE "userId" = ${carol.id}`;
    expect(Number(remaining[0]!.count)).toBe(0);
  });

  test("a token that outlives its account is refused with 401 and creates nothing", async () => {
    const dave = await system.signUp("Dave");
    await ops(system, dave).create({ title: "before" });
    await system.db.user.delete({ where: { id: dave.id } });
    // The deletion revokes the user's tokens (revocation feed); the feed applies it within a moment.
    await expect.poll(async () => (await ops(system, dave).send("{ me { id } }")).status, { timeout: 1_000, interval: 20 }).toBe(401);
    const response = await ops(system, dave).send(`mutation { createTask(input: { title: "ghost" }) { id } }`);
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(["INVALID_TOKEN"]);
    expect(await system.db.task.count({ where: { userId: dave.id } })).toBe(0);
  });
});
