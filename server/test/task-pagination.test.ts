// Keyset pagination in every order: paging two at a time gives exactly the one-page answer, which is
// the order the contract promises (ties broken by id, tasks without a due date last), and search
// treats % and _ as the characters they are.
import { afterAll, beforeAll, expect, test } from "vitest";
import { dataOf, ops, type TaskView } from "./support/task-operations.ts";
import { startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
let user: TestUser;
let created: TaskView[];

beforeAll(async () => {
  system = await startTestSystem();
  user = await system.signUp();
  const inputs = [
    { title: "b same", dueAt: "2031-01-02T00:00:00.000Z" },
    { title: "a first" },
    { title: "b same", dueAt: "2031-01-01T00:00:00.000Z" },
    { title: "100% done", dueAt: "2031-01-01T00:00:00.000Z" },
    { title: "snake_case" },
    { title: "c later", dueAt: "2030-06-01T12:30:00.000Z" },
    { title: "b same" },
    { title: "plain" },
  ];
  created = [];
  for (const input of inputs) created.push(await ops(system, user).create(input));
  // Two tasks with the same creation time: the id decides between them.
  await system.db.$executeRaw`UPDATE task SET "createdAt" = '2030-01-01 00:00:00.000' WHERE id IN (${created[1]!.id}, ${created[2]!.id})`;
  created = await ops(system, user).listAll(100);
});
afterAll(() => system.close());

const byId = (a: TaskView, b: TaskView) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const expected: Record<string, (a: TaskView, b: TaskView) => number> = {
  NEWEST_FIRST: (a, b) => b.createdAt.localeCompare(a.createdAt) || -byId(a, b),
  OLDEST_FIRST: (a, b) => a.createdAt.localeCompare(b.createdAt) || byId(a, b),
  DUE_SOONEST: (a, b) => (a.dueAt === b.dueAt ? byId(a, b) : a.dueAt === null ? 1 : b.dueAt === null ? -1 : a.dueAt.localeCompare(b.dueAt)),
};

test.each(Object.keys(expected))("%s: pages of two give the one-page answer, in the promised order", async (orderBy) => {
  const onePage = (await ops(system, user).list({ first: 100, orderBy })).edges.map((edge) => edge.node.id);
  const paged = (await ops(system, user).listAll(2, orderBy)).map((task) => task.id);
  expect(paged).toEqual(onePage);
  expect(onePage).toEqual([...created].sort(expected[orderBy]).map((task) => task.id));
});

test("TITLE: pages of two give the one-page answer; equal titles in id order", async () => {
  const onePage = (await ops(system, user).list({ first: 100, orderBy: "TITLE" })).edges.map((edge) => edge.node);
  const paged = await ops(system, user).listAll(2, "TITLE");
  expect(paged.map((task) => task.id)).toEqual(onePage.map((task) => task.id));
  const same = onePage.filter((task) => task.title === "b same").map((task) => task.id);
  expect(same).toEqual([...same].sort());
  expect(same).toHaveLength(3);
});

test("search takes % and _ literally", async () => {
  const titles = async (search: string) => (await ops(system, user).list({ filter: { search } })).edges.map((edge) => edge.node.title);
  expect(await titles("%")).toEqual(["100% done"]);
  expect(await titles("_")).toEqual(["snake_case"]);
  expect(await titles("SAME")).toHaveLength(3);
});

test("dates come back as stored, in UTC", async () => {
  const task = dataOf(await ops(system, user).get(created.find((candidate) => candidate.title === "c later")!.id)).task;
  expect(task.dueAt).toBe("2030-06-01T12:30:00.000Z");
  const listed = created.find((candidate) => candidate.title === "c later")!;
  expect(listed.dueAt).toBe("2030-06-01T12:30:00.000Z");
  expect(listed.createdAt).toBe(task.createdAt);
});
