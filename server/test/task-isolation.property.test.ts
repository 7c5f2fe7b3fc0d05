// Property: whatever three users do, in any order, each sees exactly their own tasks. fast-check
// generates sequences of create / update / delete / list, including attempts on other users' task ids;
// after every step each user's list (all pages) and count are compared with a model kept in memory.
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { dataOf, errorCodes, ops, type TaskView } from "./support/task-operations.ts";
import { startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
let users: TestUser[];

beforeAll(async () => {
  system = await startTestSystem();
  users = [await system.signUp("P0"), await system.signUp("P1"), await system.signUp("P2")];
});
afterAll(() => system.close());

type Command =
  | { kind: "create"; actor: number; title: string }
  | { kind: "update"; actor: number; target: number; title: string; completed: boolean }
  | { kind: "delete"; actor: number; target: number };

const actor = fc.integer({ min: 0, max: 2 });
// `target` picks among all tasks ever created (any owner), so most writes aim at someone else's task.
const target = fc.nat();
const title = fc.string({ minLength: 1, maxLength: 30 }).filter((value) => value.trim().length > 0);
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant("create" as const), actor, title }),
  fc.record({ kind: fc.constant("update" as const), actor, target, title, completed: fc.boolean() }),
  fc.record({ kind: fc.constant("delete" as const), actor, target }),
);

interface ModelTask {
  id: string;
  owner: number;
  title: string;
  completed: boolean;
  deleted: boolean;
}

test("each of three users always sees exactly their own tasks", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
      // Each run starts from an empty task table so the model is the whole truth.
      await system.db.$executeRaw`DELETE FROM task`;
      const model: ModelTask[] = [];
      for (const step of commands) {
        const client = ops(system, users[step.actor]!);
        if (step.kind === "create") {
          const created = await client.create({ title: step.title });
          model.push({ id: created.id, owner: step.actor, title: created.title, completed: false, deleted: false });
        } else if (model.length > 0) {
          const task = model[step.target % model.length]!;
          const allowed = task.owner === step.actor && !task.deleted;
          const response =
            step.kind === "update"
              ? await client.update(task.id, { title: step.title, completed: step.completed })
              : await client.delete(task.id);
          if (allowed) {
            dataOf(response);
            if (step.kind === "update") Object.assign(task, { title: step.title.trim(), completed: step.completed });
            else task.deleted = true;
          } else {
            expect(errorCodes(response)).toEqual(["NOT_FOUND"]);
          }
        }
        await expectEveryoneSeesExactlyTheirOwn(model);
      }
    }),
    { numRuns: 15 },
  );
});

async function expectEveryoneSeesExactlyTheirOwn(model: ModelTask[]): Promise<void> {
  for (const [index, user] of users.entries()) {
    const expected = model
      .filter((task) => task.owner === index && !task.deleted)
      .map(({ id, title, completed }) => ({ id, title, completed }))
      .sort((a, b) => a.id.localeCompare(b.id));
    // Small pages, so cursors are exercised on every check.
    const seen: TaskView[] = await ops(system, user).listAll(2);
    expect(seen.map(({ id, title, completed }) => ({ id, title, completed })).sort((a, b) => a.id.localeCompare(b.id))).toEqual(expected);
    expect((await ops(system, user).list({ first: 1 })).totalCount).toBe(expected.length);
  }
}
