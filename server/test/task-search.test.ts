// Search through the trigram index: the same answers as a plain ILIKE, and never a stranger's task.
// The indexed path runs in the SECURITY DEFINER function task_ids_matching() (migration
// *_task_search_index), which may read every row; these tests attack it directly and through the API.
import { afterAll, beforeAll, expect, test } from "vitest";
import { poolOf } from "../src/db/sql-pool.ts";
import { runAsOwner } from "../src/tasks/owner-transaction.ts";
import { startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
let ada: TestUser;
let bob: TestUser;
beforeAll(async () => {
  system = await startTestSystem();
  [ada, bob] = [await system.signUp("Ada"), await system.signUp("Bob")];
  for (const [user, title, description] of [
    [ada, "Buy Oat milk", ""],
    [ada, "Call the bank", "about the 100% fee_refund"],
    [bob, "Bob's oat cakes", "secret oat recipe"],
  ] as const) {
    await system.graphql("mutation ($input: CreateTaskInput!) { createTask(input: $input) { id } }", {
      token: user.token,
      variables: { input: { title, description } },
    });
  }
});
afterAll(() => system.close());

async function search(user: TestUser, text: string): Promise<string[]> {
  const response = await system.graphql(
    "query ($search: String) { tasks(filter: { search: $search }, orderBy: TITLE) { totalCount edges { node { title } } } }",
    {
      token: user.token,
      variables: { search: text },
    },
  );
  const edges = response.body.data?.tasks.edges as { node: { title: string } }[];
  expect(response.body.data?.tasks.totalCount).toBe(edges.length);
  return edges.map((edge) => edge.node.title);
}

test("the trigram index exists", async () => {
  const { rows } = await poolOf(system.pool).query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'task_search_trgm'`);
  expect(rows[0]?.indexdef).toMatch(/USING gin \(title gin_trgm_ops, description gin_trgm_ops\)/);
});

test("indexed (3+ letters) and unindexed (shorter) searches find the viewer's matches, in title or description, any case", async () => {
  expect(await search(ada, "OAT")).toEqual(["Buy Oat milk"]);
  expect(await search(ada, "refund")).toEqual(["Call the bank"]);
  expect(await search(ada, "oa")).toEqual(["Buy Oat milk"]);
  expect(await search(bob, "oat")).toEqual(["Bob's oat cakes"]);
  expect(await search(bob, "recipe")).toEqual(["Bob's oat cakes"]);
  expect(await search(ada, "recipe")).toEqual([]);
});

test("% and _ are text, not wildcards, on both paths", async () => {
  expect(await search(ada, "100% fee_")).toEqual(["Call the bank"]);
  expect(await search(ada, "%")).toEqual(["Call the bank"]);
  expect(await search(ada, "fee%refund")).toEqual([]);
  expect(await search(ada, "_")).toEqual(["Call the bank"]);
});

test("the search function returns only the viewer's ids, whatever the pattern", async () => {
  const pool = poolOf(system.pool);
  const everything = { name: "search_everything", text: `SELECT "task_ids_matching"('%') AS "id"`, values: [] };
  const adaIds = (await runAsOwner<{ id: string }>(pool, ada.id, everything)).rows;
  const bobIds = (await runAsOwner<{ id: string }>(pool, bob.id, everything)).rows;
  expect([adaIds.length, bobIds.length]).toEqual([2, 1]);
  expect(adaIds.map((row) => row.id)).not.toContain(bobIds[0]?.id);
  // No viewer set: nothing.
  const client = await pool.connect();
  try {
    expect((await client.query(`SELECT "task_ids_matching"('%')`)).rowCount).toBe(0);
  } finally {
    client.release();
  }
});
