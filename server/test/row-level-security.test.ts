// Two walls keep each user's tasks their own, and each holds without the other:
//  - the policy alone: statements with no owner filter at all, run through the same owner transaction
//    the task store uses, still see and change only the owner's rows (row-level security on "task");
//  - the door alone: in a throwaway database with the policy switched off, the task store still
//    isolates, because every statement names the owner in its WHERE clause.
// The connection's user is a superuser here (embedded PostgreSQL, CI's server): the policy holds anyway,
// because the statements run as a role that is neither the table's owner nor allowed to bypass it.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDb, type Db, sqlPoolOf } from "../src/db/client.ts";
import { poolOf } from "../src/db/sql-pool.ts";
import { runScoped } from "../src/db/scoped-transaction.ts";
import { runAsOwner } from "../src/tasks/owner-transaction.ts";
import { createTaskStore } from "../src/tasks/task-store.ts";
import { withClient } from "./support/global-setup.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

async function twoUsersWithTasks(db: Db) {
  const [ada, bob] = await Promise.all(
    ["Ada", "Bob"].map((name) => db.user.create({ data: { id: randomUUID(), name, email: `${randomUUID()}@example.com` } })),
  );
  const store = createTaskStore(sqlPoolOf(db));
  const adaTasks = await Promise.all(
    ["a1", "a2"].map((title) => store.create(ada!.id, { title, description: "", completed: false, dueAt: null })),
  );
  const bobTasks = await Promise.all(
    ["b1", "b2", "b3"].map((title) => store.create(bob!.id, { title, description: "", completed: false, dueAt: null })),
  );
  return { ada: ada!, bob: bob!, adaTasks, bobTasks, store };
}

const raw = (name: string, text: string, values: unknown[] = []) => ({ name, text, values });

describe("the policy alone: statements without any owner filter", () => {
  let database: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, { poolSize: 2 });
  });
  afterAll(async () => {
    await db.$disconnect();
    await database.drop();
  });

  test("the connection's user is a superuser, and the table's row-level security is enabled and forced", async () => {
    const [row] = await db.$queryRaw<{ superuser: boolean; enabled: boolean; forced: boolean }[]>`
      SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
             relrowsecurity AS enabled, relforcerowsecurity AS forced FROM pg_class WHERE relname = 'task'`;
    expect(row).toEqual({ superuser: true, enabled: true, forced: true });
  });

  test("read, change and delete everything: only the owner's rows are seen, changed and deleted", async () => {
    const { ada, bob, adaTasks, bobTasks } = await twoUsersWithTasks(db);
    const pool = poolOf(sqlPoolOf(db));
    const seen = await runAsOwner<{ id: string }>(pool, ada.id, raw("bypass_select", `SELECT "id" FROM "task"`));
    expect(seen.rows.map((row) => row.id).sort()).toEqual(adaTasks.map((task) => task.id).sort());
    const counted = await runAsOwner<{ count: number }>(pool, ada.id, raw("bypass_count", `SELECT count(*)::int AS "count" FROM "task"`));
    expect(counted.rows[0]?.count).toBe(2);

    const changed = await runAsOwner(pool, ada.id, raw("bypass_update", `UPDATE "task" SET "title" = 'overwritten'`));
    expect(changed.rowCount).toBe(2);
    const deleted = await runAsOwner(pool, bob.id, raw("bypass_delete", `DELETE FROM "task" WHERE "title" = 'overwritten'`));
    expect(deleted.rowCount).toBe(0);

    // What the superuser sees, past every wall: Bob's tasks untouched, Ada's overwritten.
    const all = await db.$queryRaw<{ userId: string; title: string }[]>`SELECT "userId", "title" FROM "task" ORDER BY "title"`;
    expect(all.filter((row) => row.userId === bob.id).map((row) => row.title)).toEqual(bobTasks.map((task) => task.title).sort());
    expect(all.filter((row) => row.userId === ada.id).map((row) => row.title)).toEqual(["overwritten", "overwritten"]);
  });

  test("a write that would produce another user's row is refused by the policy, and writes nothing", async () => {
    const { ada, bob } = await twoUsersWithTasks(db);
    const pool = poolOf(sqlPoolOf(db));
    const insert = raw("bypass_insert", `INSERT INTO "task" ("id", "title", "updatedAt", "userId") VALUES ($1, 'planted', now(), $2)`, [
      randomUUID(),
      bob.id,
    ]);
    await expect(runAsOwner(pool, ada.id, insert)).rejects.toThrow(/row-level security/);
    const move = raw("bypass_move", `UPDATE "task" SET "userId" = $1`, [bob.id]);
    await expect(runAsOwner(pool, ada.id, move)).rejects.toThrow(/row-level security/);
    const [row] = await db.$queryRaw<{ planted: number }[]>`SELECT count(*)::int AS planted FROM "task" WHERE "title" = 'planted'`;
    expect(row?.planted).toBe(0);
  });

  // The frame and the statement go out together, pipelined (db/scoped-transaction.ts): if they were not
  // in one transaction, a frame that failed would leave the statement to run as the connection's
  // superuser, past row-level security.
  test("a frame that fails lets nothing after it run, even though both were sent at once", async () => {
    const { ada } = await twoUsersWithTasks(db);
    const failingFrame = raw("failing_frame", "SELECT set_config('role', 'no_such_role_here', true), set_config('app.user_id', $1, true)", [
      ada.id,
    ]);
    const everyRow = raw("unscoped_update", `UPDATE "task" SET "title" = 'unscoped'`);
    await expect(runScoped(poolOf(sqlPoolOf(db)), failingFrame, everyRow)).rejects.toThrow(/no_such_role_here/);
    const [row] = await db.$queryRaw<{ unscoped: number }[]>`SELECT count(*)::int AS unscoped FROM "task" WHERE "title" = 'unscoped'`;
    expect(row?.unscoped).toBe(0);
    // The connection is usable afterwards, back outside any transaction.
    const seen = await runAsOwner<{ count: number }>(
      poolOf(sqlPoolOf(db)),
      ada.id,
      raw("bypass_count", `SELECT count(*)::int AS "count" FROM "task"`),
    );
    expect(seen.rows[0]?.count).toBe(2);
  });

  test("as the role but with no user set, nothing is visible", async () => {
    await twoUsersWithTasks(db);
    const rows = await withClient(database.url, async (client) => {
      await client.query("BEGIN");
      await client.query("SET LOCAL ROLE tasks_api_owner_scoped");
      const result = await client.query(`SELECT count(*)::int AS "count" FROM "task"`);
      await client.query("ROLLBACK");
      return result.rows;
    });
    expect(rows[0].count).toBe(0);
  });

  test("admin statistics count every user's tasks through the narrow function, with the policy in force", async () => {
    const { store } = await twoUsersWithTasks(db);
    const [row] = await db.$queryRaw<{ total: number }[]>`SELECT count(*)::int AS total FROM "task"`;
    expect(row?.total).toBeGreaterThan(0);
    expect(await store.countAllForAdmin()).toBe(row?.total);
  });
});

describe("the door alone: the policy switched off in a throwaway database", () => {
  let database: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase();
    await withClient(database.url, (client) =>
      client.query(`ALTER TABLE "task" NO FORCE ROW LEVEL SECURITY; ALTER TABLE "task" DISABLE ROW LEVEL SECURITY`),
    );
    db = createDb(database.url, { poolSize: 2 });
  });
  afterAll(async () => {
    await db.$disconnect();
    await database.drop();
  });

  test("here the policy really is off: an unfiltered statement sees every user's rows", async () => {
    const { ada } = await twoUsersWithTasks(db);
    const { rows } = await runAsOwner<{ count: number }>(
      poolOf(sqlPoolOf(db)),
      ada.id,
      raw("bypass_count_off", `SELECT count(*)::int AS "count" FROM "task"`),
    );
    expect(rows[0]?.count).toBeGreaterThanOrEqual(5);
  });

  test("and the task store still shows, counts, changes and deletes only the owner's tasks", async () => {
    const { ada, bob, adaTasks, bobTasks, store } = await twoUsersWithTasks(db);
    const page = await store.page(ada.id, { first: 100, order: "NEWEST_FIRST" });
    expect(page.edges.map((edge) => edge.node.id).sort()).toEqual(adaTasks.map((task) => task.id).sort());
    expect(await page.totalCount()).toBe(2);
    const searched = await store.page(ada.id, { first: 100, order: "TITLE", filter: { search: "b" } });
    expect(searched.edges).toHaveLength(0);
    for (const task of bobTasks) {
      expect(await store.find(ada.id, task.id)).toBeNull();
      expect(await store.update(ada.id, task.id, { title: "hijacked", description: undefined })).toBeNull();
      expect(await store.delete(ada.id, task.id)).toBe(false);
    }
    const bobsNow = await store.page(bob.id, { first: 100, order: "TITLE" });
    expect(bobsNow.edges.map((edge) => edge.node.title)).toEqual(["b1", "b2", "b3"]);
  });
});
