// What one account may store: a quota of tasks and of text per owner, kept by a trigger on the Task
// table. Over it, createTask (and an updateTask that grows the text) answers QUOTA_EXCEEDED with a
// message that says the limit, and nothing is written. Concurrent creates cannot overshoot together,
// because each waits on the owner's one usage row. Each test builds its own API app with small limits.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { ApiApp } from "../src/api/app.ts";
import { withClient } from "../src/db/with-client.ts";
import { startTestSystem, type GraphQLResponse, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
const apps: ApiApp[] = [];
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.dispose()));
  await system.close();
});

function apiWithQuota(maxTasks: number, maxTextBytes: number, inFlightPerUser = 2): ApiApp {
  const api = system.apiWith({ taskLimits: { quota: { maxTasks, maxTextBytes }, inFlightPerUser, maxWaitMs: 10_000 } });
  apps.push(api);
  return api;
}

const CREATE = "mutation ($input: CreateTaskInput!) { createTask(input: $input) { id } }";
const UPDATE = "mutation ($id: ID!, $input: UpdateTaskInput!) { updateTask(id: $id, input: $input) { id } }";
const COUNT = "{ tasks { totalCount } }";

const create = (api: ApiApp, user: TestUser, title: string, description = "") =>
  system.graphql(CREATE, { api, token: user.token, variables: { input: { title, description } } });

function quotaError(response: GraphQLResponse) {
  const error = response.body.errors?.find((candidate) => candidate.extensions?.code === "QUOTA_EXCEEDED");
  expect(error, JSON.stringify(response.body)).toBeDefined();
  return error!;
}

async function storedTitles(user: TestUser): Promise<string[]> {
  const response = await system.graphql("{ tasks(first: 100, orderBy: TITLE) { edges { node { title description } } } }", {
    token: user.token,
  });
  const edges = response.body.data?.tasks.edges as { node: { title: string } }[];
  return edges.map((edge) => edge.node.title);
}

test("the task after the last one allowed is refused with QUOTA_EXCEEDED, saying the limit, and not written", async () => {
  const api = apiWithQuota(3, 1_000_000);
  const user = await system.signUp();
  for (const title of ["one", "two", "three"]) expect((await create(api, user, title)).body.errors).toBeUndefined();

  const refused = await create(api, user, "four");
  expect(refused.status).toBe(200);
  expect(refused.body.data).toBeNull();
  const error = quotaError(refused);
  expect(error.message).toBe("You have reached the limit of 3 tasks. Delete some to make room.");
  expect(error.extensions).toMatchObject({ code: "QUOTA_EXCEEDED", limit: "tasks" });
  expect(await storedTitles(user)).toEqual(["one", "three", "two"]);

  // Deleting one makes room again.
  const { body } = await system.graphql("{ tasks(first: 1) { edges { node { id } } } }", { token: user.token });
  const id = body.data?.tasks.edges[0].node.id;
  await system.graphql("mutation ($id: ID!) { deleteTask(id: $id) }", { api, token: user.token, variables: { id } });
  expect((await create(api, user, "four")).body.errors).toBeUndefined();
});

test("the quota is per account: one full account does not stop another", async () => {
  const api = apiWithQuota(1, 1_000_000);
  const [full, other] = [await system.signUp(), await system.signUp()];
  await create(api, full, "mine");
  quotaError(await create(api, full, "more"));
  expect((await create(api, other, "theirs")).body.errors).toBeUndefined();
});

test("stored text is counted in bytes of title and description; growing past it is refused, shrinking is not", async () => {
  const api = apiWithQuota(100, 2_000);
  const user = await system.signUp();
  // "é" is two bytes: 1 + 900 * 2 = 1,801 bytes.
  const first = await create(api, user, "a", "é".repeat(900));
  expect(first.body.errors).toBeUndefined();

  const tooMuch = await create(api, user, "b", "x".repeat(300));
  expect(quotaError(tooMuch).message).toBe("Your tasks have reached the limit of 2 KB of text. Shorten or delete some to make room.");
  expect(await storedTitles(user)).toEqual(["a"]);

  const id = first.body.data?.createTask.id;
  const grow = await system.graphql(UPDATE, { api, token: user.token, variables: { id, input: { description: "é".repeat(1_000) } } });
  expect(quotaError(grow).extensions?.limit).toBe("text");
  const shrink = await system.graphql(UPDATE, { api, token: user.token, variables: { id, input: { description: "short" } } });
  expect(shrink.body.errors).toBeUndefined();
  expect((await create(api, user, "b", "x".repeat(300))).body.errors).toBeUndefined();
});

test("five creates in one operation against room for two: two are written, the third is refused and the rest never run", async () => {
  const api = apiWithQuota(2, 1_000_000);
  const user = await system.signUp();
  const aliases = [1, 2, 3, 4, 5].map((n) => `t${n}: createTask(input: { title: "task ${n}" }) { id }`).join(" ");
  const response = await system.graphql(`mutation { ${aliases} }`, { api, token: user.token });
  // Mutation fields run one after another, and createTask's result is non-null: the refusal ends the operation.
  const codes = (response.body.errors ?? []).map((error) => error.extensions?.code);
  expect(codes).toEqual(["QUOTA_EXCEEDED"]);
  expect(response.body.errors?.[0]?.path).toEqual(["t3"]);
  expect((await system.graphql(COUNT, { token: user.token })).body.data?.tasks.totalCount).toBe(2);
});

test("concurrent creates cannot overshoot the quota together", async () => {
  // No per-user cap here, so the creates really reach PostgreSQL at the same time.
  const api = apiWithQuota(5, 1_000_000, 100);
  const user = await system.signUp();
  const responses = await Promise.all(Array.from({ length: 30 }, (_, n) => create(api, user, `task ${n}`)));
  const written = responses.filter((response) => !response.body.errors).length;
  const refused = responses.filter((response) => response.body.errors?.[0]?.extensions?.code === "QUOTA_EXCEEDED").length;
  expect({ written, refused }).toEqual({ written: 5, refused: 25 });
  expect((await system.graphql(COUNT, { token: user.token })).body.data?.tasks.totalCount).toBe(5);
});

test("the count the trigger keeps matches the table, whoever wrote: the door, a delete, a cascade", async () => {
  const api = apiWithQuota(100, 1_000_000);
  const user = await system.signUp();
  for (const title of ["a", "bb", "ccc"]) await create(api, user, title, "é");
  const { body } = await system.graphql("{ tasks(first: 1, orderBy: TITLE) { edges { node { id } } } }", { token: user.token });
  await system.graphql("mutation ($id: ID!) { deleteTask(id: $id) }", {
    api,
    token: user.token,
    variables: { id: body.data?.tasks.edges[0].node.id },
  });

  await withClient(system.database.url, async (client) => {
    const usage = async () =>
      (await client.query('SELECT "tasks", "textBytes"::int FROM "task_usage" WHERE "userId" = $1', [user.id])).rows[0];
    // "bb" + "é" and "ccc" + "é": 4 + 5 bytes.
    expect(await usage()).toEqual({ tasks: 2, textBytes: 9 });
    await client.query('DELETE FROM "user" WHERE "id" = $1', [user.id]);
    expect(await usage()).toBeUndefined();
  });
});
