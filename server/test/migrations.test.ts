// A database migrated from prisma/migrations alone (the test template) serves every model, through the
// same Prisma Client 6.19 + @prisma/adapter-pg 7.x pairing the app uses (adapter-pg 6.19 fails `migrate
// deploy` on a real PostgreSQL with the JS schema engine, so that pairing is pinned and checked here).
import { randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createDb, type Db } from "../src/db/client.ts";
import { migrationsDir } from "../src/paths.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

test("every migration folder has been applied, and nothing else", async () => {
  const applied = await db.$queryRaw<{ migration_name: string }[]>`
    SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name`;
  const folders = readdirSync(migrationsDir)
    .filter((entry) => /^\d+_/.test(entry))
    .sort();
  expect(applied.map((row) => row.migration_name)).toEqual(folders);
});

test("every model can be written and read back", async () => {
  const id = randomUUID();
  const now = new Date();
  const user = await db.user.create({ data: { id, name: "M", email: `${id}@example.com` } });
  expect(user).toMatchObject({ role: "user", banned: false, emailVerified: false });
  await db.session.create({ data: { id, token: id, expiresAt: now, userId: id } });
  await db.account.create({ data: { id, accountId: id, providerId: "credential", userId: id, password: "hash" } });
  await db.verification.create({ data: { id, identifier: "x", value: "y", expiresAt: now } });
  await db.jwks.create({ data: { id, publicKey: "{}", privateKey: "{}", createdAt: now, alg: "EdDSA", crv: "Ed25519" } });
  const task = await db.task.create({ data: { title: "t", userId: id } });
  expect(task).toMatchObject({ description: "", completed: false, dueAt: null });

  const loaded = await db.user.findUniqueOrThrow({
    where: { id },
    include: { sessions: true, accounts: true, tasks: true },
  });
  expect([loaded.sessions.length, loaded.accounts.length, loaded.tasks.length]).toEqual([1, 1, 1]);
  expect(await db.verification.count({ where: { id } })).toBe(1);
  expect(await db.jwks.count({ where: { id } })).toBe(1);
});

test("the driver adapter serves transactions, which commit together or not at all, and concurrent reads", async () => {
  const id = randomUUID();
  const [user, task, tasksSeen] = await db.$transaction([
    db.user.create({ data: { id, name: "T", email: `${id}@example.com` } }),
    db.task.create({ data: { title: "in a transaction", userId: id } }),
    db.task.count({ where: { userId: id } }),
  ]);
  expect([user.id, task.userId, tasksSeen]).toEqual([id, id, 1]);

  const rolledBack = randomUUID();
  await expect(
    db.$transaction(async (transaction) => {
      await transaction.user.create({ data: { id: rolledBack, name: "R", email: `${rolledBack}@example.com` } });
      expect(await transaction.user.count({ where: { id: rolledBack } })).toBe(1);
      throw new Error("roll back");
    }),
  ).rejects.toThrow("roll back");
  expect(await db.user.count({ where: { id: rolledBack } })).toBe(0);

  const results = await Promise.all(Array.from({ length: 50 }, () => db.task.count({ where: { userId: id } })));
  expect(results).toEqual(Array.from({ length: 50 }, () => 1));
});

test("deleting a user cascades to their sessions, accounts and tasks", async () => {
  const id = randomUUID();
  await db.user.create({ data: { id, name: "C", email: `${id}@example.com` } });
  await db.session.create({ data: { id, token: id, expiresAt: new Date(), userId: id } });
  await db.task.create({ data: { title: "t", userId: id } });
  await db.user.delete({ where: { id } });
  expect(await db.session.count({ where: { userId: id } })).toBe(0);
  expect(await db.task.count({ where: { userId: id } })).toBe(0);
});

test("the task list index exists: owner, newest first", async () => {
  const indexes = await db.$queryRaw<{ indexdef: string }[]>`SELECT indexdef FROM pg_indexes WHERE tablename = 'task'`;
  expect(indexes.map((row) => row.indexdef).join("\n")).toContain('("userId", "createdAt" DESC, id DESC)');
});
