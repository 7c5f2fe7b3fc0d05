// Random sequences of creates, reads, updates, deletes and listings by three users (fast-check, seeded): after
// every step each user's answers match a model of what they own. The server is not reset between runs, so
// the model is one for the whole property and every step compares against it (shrinking replays stay valid).
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { type Answer, bearer, type Task } from "../dialect.ts";
import { excerpt } from "../http.ts";
import type { Kit } from "../kit.ts";
import { fail } from "../report.ts";

const USERS = 3;

interface ModelTask {
  owner: number;
  title: string;
  completed: boolean;
  deleted: boolean;
}

type Step =
  | { kind: "create"; actor: number }
  | { kind: "get" | "delete"; actor: number; pick: number }
  | { kind: "update"; actor: number; pick: number; completed: boolean }
  | { kind: "list"; actor: number };

const actor = fc.integer({ min: 0, max: USERS - 1 });
const pick = fc.nat();
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("create" as const), actor }),
  fc.record({ kind: fc.constant("get" as const), actor, pick }),
  fc.record({ kind: fc.constant("update" as const), actor, pick, completed: fc.boolean() }),
  fc.record({ kind: fc.constant("delete" as const), actor, pick }),
  fc.record({ kind: fc.constant("list" as const), actor }),
);

export async function isolationSequences(kit: Kit, runs: number): Promise<void> {
  const { report, dialect, auth } = kit;
  const users = await Promise.all(Array.from({ length: USERS }, (_, index) => kit.user(index)));
  const authorizations = await Promise.all(users.map(async (user) => bearer(await auth.tokenOrThrow(user))));
  const model = new Map<string, ModelTask>();
  // What each user held before: the kit's earlier checks leave tasks; the sequences compare only their own.
  const before = await Promise.all(authorizations.map((authorization) => dialect.list(authorization)));
  const preexisting = before.map((answer) => new Set((answer.data ?? []).map((task) => task.id)));
  let steps = 0;
  /** The failing step's own message: fast-check's report names the sequence, not what went wrong. */
  let lastFailure = "";

  const expectData = <T>(answer: Answer<T>, what: string): T => {
    if (answer.outcome !== "data" || answer.data === undefined)
      fail(`${what}: expected data, got ${answer.status} ${answer.outcome} ${excerpt(answer.text)}`);
    return answer.data;
  };
  const expectMissing = (answer: Answer<unknown>, what: string): void => {
    if (answer.outcome !== "missing")
      fail(`${what}: expected the missing answer, got ${answer.status} ${answer.outcome} ${excerpt(answer.text)}`);
  };

  async function run(current: Step): Promise<void> {
    steps += 1;
    const authorization = authorizations[current.actor] as string;
    const ids = [...model.keys()];
    const target = current.kind === "create" || current.kind === "list" || ids.length === 0 ? undefined : ids[current.pick % ids.length];
    const known = target === undefined ? undefined : model.get(target);
    const mine = known !== undefined && known.owner === current.actor && !known.deleted;
    const what = `user ${current.actor + 1} ${current.kind}${target ? ` ${target}` : ""}${known && !mine ? (known.deleted ? " (deleted)" : ` (user ${known.owner + 1}'s)`) : ""}`;
    switch (current.kind) {
      case "create": {
        const title = `seq-${current.actor + 1}-${randomUUID()}`;
        const task = expectData(await dialect.create(authorization, { title }), what);
        model.set(task.id, { owner: current.actor, title, completed: false, deleted: false });
        return;
      }
      case "list": {
        const listed = expectData(await dialect.list(authorization), what).filter((task) => !preexisting[current.actor]?.has(task.id));
        const expected = [...model].filter(([, task]) => task.owner === current.actor && !task.deleted).map(([id]) => id);
        const got = new Set(listed.map((task: Task) => task.id));
        const extra = listed.filter(
          (task) => !model.has(task.id) || model.get(task.id)?.owner !== current.actor || model.get(task.id)?.deleted,
        );
        const missing = expected.filter((id) => !got.has(id));
        if (extra.length > 0 || missing.length > 0)
          fail(
            `${what}: lists ${extra.length} not theirs or deleted (${extra.map((task) => task.id).join(", ")}), misses ${missing.length} (${missing.join(", ")})`,
          );
        return;
      }
    }
    if (target === undefined || known === undefined) return;
    if (current.kind === "get") {
      const answer = await dialect.get(authorization, target);
      if (!mine) return expectMissing(answer, what);
      const task = expectData(answer, what);
      if (task.title !== known.title || task.completed !== known.completed)
        fail(`${what}: reads ${task.title}/${task.completed}, expected ${known.title}/${known.completed}`);
    } else if (current.kind === "update") {
      const title = `seq-${current.actor + 1}-${randomUUID()}`;
      const answer = await dialect.update(authorization, target, { title, completed: current.completed });
      if (!mine) return expectMissing(answer, what);
      expectData(answer, what);
      Object.assign(known, { title, completed: current.completed });
    } else {
      const answer = await dialect.delete(authorization, target);
      if (!mine) return expectMissing(answer, what);
      expectData(answer, what);
      known.deleted = true;
    }
  }

  await report.check(`random sequences by ${USERS} users keep each to their own (seed ${kit.options.seed}, ${runs} runs)`, async () => {
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 20 }), async (sequence) => {
          try {
            for (const current of sequence) await run(current);
          } catch (error) {
            lastFailure = error instanceof Error ? error.message : String(error);
            throw error;
          }
        }),
        { seed: kit.options.seed, numRuns: runs },
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const counterexample = message.match(/Counterexample: (.*)/)?.[1] ?? message.split("\n")[0];
      fail(`${lastFailure}, after the steps ${counterexample} (the smallest failing sequence; rerun with --seed ${kit.options.seed})`);
    }
    return `${steps} steps, ${model.size} tasks`;
  });
}
