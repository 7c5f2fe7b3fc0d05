// Property: whatever three users do, in any order, each sees exactly their own tasks. fast-check
// generates sequences of create / update / delete / list, including attempts on other users' task ids
// and lists in any order, with any filter, after any cursor any user was ever shown (their own, another
// user's, of a task since changed or deleted). Every list is compared with a model kept in memory, and
// after every step each user's whole list (all pages, the four orders in turn) and count are too. Users
// also sign out and sign in again: at every step each live token sees exactly its user's tasks, and each
// token whose session ended is refused with 401 (the revocation feed, within a second of the sign-out).
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { taskOrders, type TaskOrder } from "../src/tasks/task-order.ts";
import { expectedIds, type ListFilter, type Position, type SortableTask } from "./support/task-model.ts";
import { dataOf, errorCodes, ops, type TaskListView } from "./support/task-operations.ts";
import { startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
let users: TestUser[];

beforeAll(async () => {
  system = await startTestSystem();
  users = [await system.signUp("P0"), await system.signUp("P1"), await system.signUp("P2")];
  for (const user of users) sessions.push([await system.signIn(user.email)]);
});
afterAll(() => system.close());

type Command =
  | { kind: "create"; actor: number; title: string; description: string; dueAt: string | null; createdOn: number }
  | { kind: "update"; actor: number; target: number; title: string; completed: boolean; dueAt: string | null | undefined }
  | { kind: "delete"; actor: number; target: number }
  | { kind: "list"; actor: number; orderBy: TaskOrder; filter: ListFilter | undefined; cursor: number | null; first: number }
  | { kind: "signOut"; actor: number }
  | { kind: "signIn"; actor: number };

const actor = fc.integer({ min: 0, max: 2 });
// `target` picks among all tasks ever created (any owner), so most writes aim at someone else's task.
const target = fc.nat();
// Few letters, so equal titles are common; lower-case ASCII orders the same in every collation (TITLE).
const title = fc
  .tuple(fc.constantFrom("", " "), fc.stringMatching(/^[abc]{1,3}$/), fc.constantFrom("", "  "))
  .map((parts) => parts.join(""));
const description = fc.constantFrom("", "Bab", "cc");
// Few due dates and creation days, so ties (and tasks without a due date) are common too.
const dueAt = fc.constantFrom(null, "2031-01-01T00:00:00.000Z", "2031-01-02T00:00:00.000Z");
const createdOn = fc.integer({ min: 1, max: 3 });
const filter = fc.constantFrom<ListFilter | undefined>(
  undefined,
  { completed: true },
  { completed: false },
  { search: "b" },
  { search: "AB" },
  { search: "c" },
);
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("create" as const), actor, title, description, dueAt, createdOn }) },
  fc.record({
    kind: fc.constant("update" as const),
    actor,
    target,
    title,
    completed: fc.boolean(),
    dueAt: fc.option(dueAt, { nil: undefined }),
  }),
  fc.record({ kind: fc.constant("delete" as const), actor, target }),
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("list" as const),
      actor,
      orderBy: fc.constantFrom(...taskOrders),
      filter,
      // Most lists start after a cursor at some task, of any owner, possibly since changed or deleted.
      cursor: fc.option(target, { nil: null, freq: 4 }),
      first: fc.integer({ min: 1, max: 4 }),
    }),
  },
  fc.record({ kind: fc.constant("signOut" as const), actor }),
  fc.record({ kind: fc.constant("signIn" as const), actor }),
);

/** Each user's live sessions (the last one acts); every token whose session ended. */
const sessions: TestUser[][] = [];
const ended: TestUser[] = [];
/** A session per user that never signs out (`users`), from which the checks look. */

interface ModelTask extends SortableTask {
  owner: number;
  deleted: boolean;
}

/** A cursor some user was shown, with the position it stood for then. */
interface SeenCursor {
  cursor: string;
  position: Position;
}

test("each of three users always sees exactly their own tasks, in every order and filter, after any cursor", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25, size: "medium" }), async (commands) => {
      // Each run starts from an empty task table so the model is the whole truth.
      await system.db.$executeRaw`DELETE FROM task`;
      const model: ModelTask[] = [];
      const seen = new Map<TaskOrder, SeenCursor[]>(taskOrders.map((order) => [order, []]));
      for (const [index, step] of commands.entries()) {
        const live = sessions[step.actor]!;
        if (step.kind === "signIn") {
          live.push(await system.signIn(users[step.actor]!.email));
          await expectEveryoneSeesExactlyTheirOwn(model, taskOrders[index % taskOrders.length]!);
          continue;
        }
        const current = live.at(-1);
        if (!current) continue; // signed out everywhere: nothing to act with until the next sign-in
        const client = ops(system, current);
        if (step.kind === "signOut") {
          const response = await system.authFetch("/api/auth/sign-out", {
            method: "POST",
            headers: { cookie: current.cookie },
            body: "{}",
          });
          expect(response.status).toBe(200);
          ended.push(live.pop()!);
          await expect
            .poll(async () => (await ops(system, current).send("{ me { id } }")).status, { timeout: 1_000, interval: 10 })
            .toBe(401);
        } else if (step.kind === "create") {
          const created = await client.create({ title: step.title, description: step.description, dueAt: step.dueAt });
          const createdAt = `2030-01-0${step.createdOn}T00:00:00.000Z`;
          await system.db.$executeRaw`UPDATE task SET "createdAt" = ${createdAt}::timestamptz AT TIME ZONE 'UTC' WHERE id = ${created.id}`;
          model.push({ ...created, createdAt, owner: step.actor, deleted: false });
        } else if (step.kind === "list") {
          const pool = seen.get(step.orderBy)!;
          const from =
            step.cursor === null || model.length === 0 ? null : await cursorAt(model[step.cursor % model.length]!, step.orderBy, pool);
          const own = model.filter((task) => task.owner === step.actor && !task.deleted);
          const shown = await listFrom(client.list, step, from, pool);
          expect(shown, `${step.orderBy} ${JSON.stringify(step.filter)} after ${JSON.stringify(from?.position)}`).toEqual(
            expectedIds(own, { orderBy: step.orderBy, filter: step.filter, after: from?.position }),
          );
        } else if (model.length > 0) {
          const task = model[step.target % model.length]!;
          const allowed = task.owner === step.actor && !task.deleted;
          const response =
            step.kind === "update"
              ? await client.update(task.id, { title: step.title, completed: step.completed, dueAt: step.dueAt })
              : await client.delete(task.id);
          if (allowed) {
            dataOf(response);
            if (step.kind === "update") {
              Object.assign(task, { title: step.title.trim(), completed: step.completed });
              if (step.dueAt !== undefined) task.dueAt = step.dueAt;
            } else task.deleted = true;
          } else {
            expect(errorCodes(response)).toEqual(["NOT_FOUND"]);
          }
        }
        await expectEveryoneSeesExactlyTheirOwn(model, taskOrders[index % taskOrders.length]!);
      }
    }),
    // A passing run takes seconds; shrinking a failure replays sequences and is cut off at a minute.
    { numRuns: 15, plugins: [fc.interruptAfterTimeLimit(60_000, { failOnInterrupt: true })] },
  );
}, 90_000);

/**
 * A cursor at the task, in the order: the last one anyone was shown for it; for a task never shown in
 * this order, the one its owner is shown now; for a deleted task never shown, any cursor seen (or none).
 */
async function cursorAt(task: ModelTask, orderBy: TaskOrder, pool: SeenCursor[]): Promise<SeenCursor | null> {
  const shownFor = () => pool.findLast((seenCursor) => seenCursor.position.id === task.id);
  if (!shownFor() && !task.deleted) {
    for (const { cursor, node } of (await ops(system, users[task.owner]!).list({ first: 100, orderBy })).edges) {
      pool.push({ cursor, position: node });
    }
  }
  return shownFor() ?? pool.at(-1) ?? null;
}

/** Pages through one list from a cursor (or the start) to its end; every cursor shown joins the pool. */
async function listFrom(
  list: (args: Record<string, unknown>) => Promise<TaskListView>,
  step: Extract<Command, { kind: "list" }>,
  from: SeenCursor | null,
  pool: SeenCursor[],
): Promise<string[]> {
  const shown: string[] = [];
  let after = from?.cursor ?? null;
  for (;;) {
    const page = await list({ first: step.first, after, orderBy: step.orderBy, filter: step.filter });
    expect(page.edges.length).toBeLessThanOrEqual(step.first);
    for (const { cursor, node } of page.edges) {
      shown.push(node.id);
      pool.push({ cursor, position: node });
    }
    if (!page.pageInfo.hasNextPage) return shown;
    after = page.pageInfo.endCursor;
  }
}

/**
 * Each user's whole list, in the given order, is exactly their own tasks as the model has them, through
 * every live session's token; every ended session's token is refused with 401 and shows nothing.
 */
async function expectEveryoneSeesExactlyTheirOwn(model: ModelTask[], orderBy: TaskOrder): Promise<void> {
  for (const token of ended) {
    const refused = await ops(system, token).send("{ tasks { totalCount } }");
    expect(refused.status).toBe(401);
    expect(refused.body.data).toBeUndefined();
  }
  for (const [index, live] of sessions.entries()) {
    for (const session of live) {
      expect((await ops(system, session).list({ first: 1 })).totalCount).toBe(
        model.filter((task) => task.owner === index && !task.deleted).length,
      );
    }
  }
  for (const [index, user] of users.entries()) {
    const own = model.filter((task) => task.owner === index && !task.deleted);
    const view = ({ id, title, description, completed, dueAt, createdAt }: SortableTask) => ({
      id,
      title,
      description,
      completed,
      dueAt,
      createdAt,
    });
    const expected = expectedIds(own, { orderBy }).map((id) => view(own.find((task) => task.id === id)!));
    // Small pages, so cursors are exercised on every check.
    expect((await ops(system, user).listAll(2, orderBy)).map(view), orderBy).toEqual(expected);
    expect((await ops(system, user).list({ first: 1 })).totalCount).toBe(expected.length);
  }
}
