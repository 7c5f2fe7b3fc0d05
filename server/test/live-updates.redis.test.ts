// Live updates across instances: two API processes on one PostgreSQL and the machine's Redis (REDIS_URL,
// as CI's second pass sets it). Three users, each subscribed on both instances; fast-check sends random
// creates, updates, deletes and attempts on other users' tasks through random instances. Every stream of
// a user receives exactly the events of that user's own successful writes, in order, whichever instance
// wrote them, and nothing of anyone else's.
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startApiProcess, type ApiProcess } from "./support/api-process.ts";
import { subscribe, type LiveSubscription } from "./support/sse.ts";
import { startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
let instances: ApiProcess[];
let users: TestUser[];

beforeAll(async () => {
  system = await startTestSystem();
  const env = { REDIS_URL: process.env.REDIS_URL ?? "" };
  instances = await Promise.all([startApiProcess(system, env), startApiProcess(system, env)]);
  users = [await system.signUp("Ada"), await system.signUp("Bob"), await system.signUp("Cy")];
}, 120_000);
afterAll(async () => {
  await Promise.all((instances ?? []).map((instance) => instance.stop()));
  await system?.close();
});

async function send(instance: ApiProcess, user: TestUser, query: string, variables: Record<string, unknown>) {
  const response = await fetch(instance.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, any> | null; errors?: unknown[] };
}

type Command =
  | { kind: "create"; user: number; via: number; title: string }
  | { kind: "update"; user: number; via: number; pick: number; title: string }
  | { kind: "delete"; user: number; via: number; pick: number }
  | { kind: "tamper"; user: number; via: number; pick: number };

const index = fc.nat({ max: 1_000 });
const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant("create" as const),
    user: fc.nat({ max: 2 }),
    via: fc.nat({ max: 1 }),
    title: fc.string({ minLength: 1, maxLength: 12 }),
  }),
  fc.record({
    kind: fc.constant("update" as const),
    user: fc.nat({ max: 2 }),
    via: fc.nat({ max: 1 }),
    pick: index,
    title: fc.string({ minLength: 1, maxLength: 12 }),
  }),
  fc.record({ kind: fc.constant("delete" as const), user: fc.nat({ max: 2 }), via: fc.nat({ max: 1 }), pick: index }),
  fc.record({ kind: fc.constant("tamper" as const), user: fc.nat({ max: 2 }), via: fc.nat({ max: 1 }), pick: index }),
);

test("every stream of each user receives exactly that user's events, in order, from either instance", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(commandArbitrary, { minLength: 4, maxLength: 12 }), async (commands) => {
      const streams: LiveSubscription[][] = await Promise.all(
        users.map((user) => Promise.all(instances.map((instance) => subscribe({ url: instance.url }, user.token)))),
      );
      // The model: each user's live task ids, and the events each user should see.
      const owned: string[][] = users.map(() => []);
      const expected: string[][] = users.map(() => []);
      try {
        for (const command of commands) {
          const user = users[command.user]!;
          const via = instances[command.via]!;
          const mine = owned[command.user]!;
          if (command.kind === "create") {
            const title = command.title.trim() || "untitled";
            const { data } = await send(via, user, "mutation($t: String!) { createTask(input: { title: $t }) { id } }", { t: title });
            mine.push(data!.createTask.id);
            expected[command.user]!.push(`CREATED ${data!.createTask.id} ${title}`);
          } else if (command.kind === "update" && mine.length > 0) {
            const id = mine[command.pick % mine.length]!;
            const title = command.title.trim() || "untitled";
            await send(via, user, "mutation($id: ID!, $t: String!) { updateTask(id: $id, input: { title: $t }) { id } }", { id, t: title });
            expected[command.user]!.push(`UPDATED ${id} ${title}`);
          } else if (command.kind === "delete" && mine.length > 0) {
            const [id] = mine.splice(command.pick % mine.length, 1);
            await send(via, user, "mutation($id: ID!) { deleteTask(id: $id) }", { id });
            expected[command.user]!.push(`DELETED ${id} -`);
          } else if (command.kind === "tamper") {
            // Another user's task, changed and deleted by this user: NOT_FOUND, and no event for anyone.
            const victim = owned.flatMap((ids, owner) => (owner === command.user ? [] : ids));
            if (victim.length === 0) continue;
            const id = victim[command.pick % victim.length]!;
            const changed = await send(via, user, 'mutation($id: ID!) { updateTask(id: $id, input: { title: "tampered" }) { id } }', {
              id,
            });
            const deleted = await send(via, user, "mutation($id: ID!) { deleteTask(id: $id) }", { id });
            expect(changed.errors).toBeDefined();
            expect(deleted.errors).toBeDefined();
          }
        }
        for (const [owner, ownerStreams] of streams.entries()) {
          for (const stream of ownerStreams) {
            const received = (await stream.waitFor(expected[owner]!.length)).map(({ data }) => {
              const event = data!.taskEvents;
              return `${event.kind} ${event.taskId} ${event.task?.title ?? "-"}`;
            });
            expect(received).toEqual(expected[owner]);
          }
        }
        // Nothing more arrives: no stray events from anyone else's writes.
        await new Promise((resolve) => setTimeout(resolve, 150));
        for (const [owner, ownerStreams] of streams.entries()) {
          for (const stream of ownerStreams) expect(stream.results).toHaveLength(expected[owner]!.length);
        }
      } finally {
        for (const stream of streams.flat()) stream.close();
      }
    }),
    { numRuns: 6 },
  );
}, 120_000);
