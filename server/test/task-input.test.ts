// Bad input gets a BAD_USER_INPUT error with a message a person can act on, and changes nothing.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dataOf, errorCodes, ops, type TaskView } from "./support/task-operations.ts";
import { startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
let user: TestUser;
let existing: TaskView;

beforeAll(async () => {
  system = await startTestSystem();
  user = await system.signUp();
  existing = await ops(system, user).create({ title: "Keep me", description: "as I am" });
});
afterAll(() => system.close());

async function expectRefused(response: Awaited<ReturnType<ReturnType<typeof ops>["update"]>>, message: string) {
  expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
  expect(response.body.errors?.[0]?.message).toBe(message);
  expect(await system.db.task.count()).toBe(1);
  expect(dataOf(await ops(system, user).get(existing.id)).task).toEqual(existing);
}

describe("createTask", () => {
  const create = (input: Record<string, unknown>) =>
    ops(system, user).send("mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }", { input });

  test("an empty or blank title is refused", async () => {
    await expectRefused(await create({ title: "" }), "Title is required.");
    await expectRefused(await create({ title: "   " }), "Title is required.");
  });

  test("a title over 200 characters is refused; 200 is accepted", async () => {
    await expectRefused(await create({ title: "x".repeat(201) }), "Title must be at most 200 characters.");
    const accepted = await create({ title: "y".repeat(200) });
    expect(accepted.body.errors).toBeUndefined();
    await ops(system, user).delete(accepted.body.data?.createTask.id);
  });

  test("a description over 10,000 characters is refused", async () => {
    await expectRefused(await create({ title: "ok", description: "d".repeat(10_001) }), "Description must be at most 10000 characters.");
  });

  test("a due date that is not a date and time is refused by the schema", async () => {
    const response = await create({ title: "ok", dueAt: "next tuesday" });
    expect(response.body.errors?.[0]?.message).toMatch(/dueAt|DateTime/);
    expect(await system.db.task.count()).toBe(1);
  });

  test("the title is stored trimmed", async () => {
    const created = await ops(system, user).create({ title: "  padded  " });
    expect(created.title).toBe("padded");
    await ops(system, user).delete(created.id);
  });
});

describe("updateTask", () => {
  test("a null or empty title is refused", async () => {
    await expectRefused(await ops(system, user).update(existing.id, { title: null }), "Title is required.");
    await expectRefused(await ops(system, user).update(existing.id, { title: "" }), "Title is required.");
  });

  test("a null completed is refused", async () => {
    await expectRefused(await ops(system, user).update(existing.id, { completed: null }), "completed must be true or false.");
  });
});

describe("tasks", () => {
  test("a page size outside 1..100 is refused", async () => {
    for (const first of [0, -1, 101, 100_000]) {
      const response = await ops(system, user).send("query($first: Int) { tasks(first: $first) { totalCount } }", { first });
      expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
      expect(response.body.errors?.[0]?.message).toBe("first must be between 1 and 100.");
    }
  });

  test("a cursor that was not handed out is refused", async () => {
    for (const after of ["garbage", Buffer.from('["TITLE","a","b"]').toString("base64url"), Buffer.from("[1,2,3]").toString("base64url")]) {
      const response = await ops(system, user).send("query($after: String) { tasks(after: $after) { totalCount } }", { after });
      expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
      expect(response.body.errors?.[0]?.message).toBe("Invalid cursor: use a cursor from this query.");
    }
  });

  test("a cursor of the right shape with a value PostgreSQL cannot take is refused before any SQL, not an internal error", async () => {
    const cursor = (...parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString("base64url");
    const forged = [
      cursor("NEWEST_FIRST", "+275760-09-13T00:00:00.000Z", "x"), // JavaScript's last day, far past PostgreSQL's
      cursor("NEWEST_FIRST", "-000001-01-01T00:00:00.000Z", "x"),
      cursor("DUE_SOONEST", "Tue, 01 Dec 2026 00:00:00 GMT", "x"), // a date, but not the form cursors carry
      cursor("NEWEST_FIRST", "2026-12-01T00:00:00.000Z", "x".repeat(10_000)),
      cursor("TITLE", "t".repeat(10_000), "x"),
      cursor("TITLE", "a\u0000b", "x"), // a NUL, which PostgreSQL text cannot hold
    ];
    for (const [index, after] of forged.entries()) {
      const orderBy = ["NEWEST_FIRST", "NEWEST_FIRST", "DUE_SOONEST", "NEWEST_FIRST", "TITLE", "TITLE"][index];
      const response = await ops(system, user).send(
        "query($after: String, $orderBy: TaskOrder) { tasks(after: $after, orderBy: $orderBy) { totalCount } }",
        { after, orderBy },
      );
      expect(errorCodes(response), `cursor ${index}`).toEqual(["BAD_USER_INPUT"]);
      expect(response.body.errors?.[0]?.message).toBe("Invalid cursor: use a cursor from this query.");
    }
  });

  test("a search over 200 characters is refused", async () => {
    const response = await ops(system, user).send("query($filter: TaskFilter) { tasks(filter: $filter) { totalCount } }", {
      filter: { search: "s".repeat(201) },
    });
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.body.errors?.[0]?.message).toBe("search must be at most 200 characters.");
  });
});

// GraphQL over HTTP: a request that cannot be executed is 400 for clients that accept the GraphQL
// response media type, and 200 with errors (never data) for legacy application/json clients.
describe("requests that cannot be executed", () => {
  const graphqlResponse = { accept: "application/graphql-response+json" };

  test("malformed GraphQL gets a syntax error and no data, never a 500", async () => {
    const modern = await system.graphql("{ tasks { ", { token: user.token, headers: graphqlResponse });
    expect(modern.status).toBe(400);
    expect(modern.body.errors?.[0]?.message).toMatch(/^Syntax Error/);
    expect(modern.body.data).toBeUndefined();
    const legacy = await system.graphql("{ tasks { ", { token: user.token });
    expect(legacy.status).toBe(200);
    expect(legacy.body.errors?.[0]?.message).toMatch(/^Syntax Error/);
    expect(legacy.body.data).toBeUndefined();
  });

  test("an unknown field gets a validation error and no data", async () => {
    const response = await system.graphql("{ tasks { owner } }", { token: user.token, headers: graphqlResponse });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.message).toContain("owner");
    expect(response.body.data).toBeUndefined();
  });

  test("an empty query gets a 400", async () => {
    const response = await system.graphql("", { token: user.token, headers: graphqlResponse });
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
  });
});
