// Section 2: isolation. Each user sees exactly their own tasks; a stranger's id is answered exactly as a
// missing one; no input lets a client choose the owner.
import { randomUUID } from "node:crypto";
import { type Answer, bearer, type Task } from "../dialect.ts";
import { excerpt } from "../http.ts";
import type { Kit } from "../kit.ts";
import { fail } from "../report.ts";
import { isolationSequences } from "./isolation-sequences.ts";

/** The answer with the asked id and per-request ids taken out: what a stranger's and a missing id must share. */
function shape(answer: Answer<unknown>, id: string): string {
  const text = answer.text.split(id).join("<id>");
  try {
    return JSON.stringify(JSON.parse(text, (key, value) => (/^request.?id$/i.test(key) ? "<request id>" : value)));
  } catch {
    return text;
  }
}

function sameAsMissing(stranger: Answer<unknown>, strangerId: string, missing: Answer<unknown>, missingId: string): string {
  if (stranger.outcome !== "missing") fail(`a stranger's id answered ${stranger.status} ${stranger.outcome}: ${excerpt(stranger.text)}`);
  if (missing.outcome !== "missing") fail(`a missing id answered ${missing.status} ${missing.outcome}: ${excerpt(missing.text)}`);
  if (stranger.status !== missing.status) fail(`status ${stranger.status} for a stranger's id, ${missing.status} for a missing one`);
  const [a, b] = [shape(stranger, strangerId), shape(missing, missingId)];
  if (a !== b) fail(`bodies differ: stranger ${excerpt(a)} / missing ${excerpt(b)}`);
  return `${stranger.status} ${stranger.code ?? ""}`.trim();
}

function ids(tasks: Task[] | undefined): string[] {
  return (tasks ?? []).map((task) => task.id).sort();
}

/** Empty when `actual` holds exactly `expected`; otherwise what is extra and what is missing. */
function difference(actual: Task[] | undefined, expected: Task[]): string {
  const [have, want] = [new Set(ids(actual)), new Set(ids(expected))];
  const extra = [...have].filter((id) => !want.has(id));
  const missing = [...want].filter((id) => !have.has(id));
  if (extra.length === 0 && missing.length === 0) return "";
  const list = (items: string[]) => `${items.slice(0, 3).join(", ")}${items.length > 3 ? ", …" : ""}`;
  return [
    extra.length > 0 ? `${extra.length} not theirs (${list(extra)})` : "",
    missing.length > 0 ? `${missing.length} of theirs missing (${list(missing)})` : "",
  ]
    .filter(Boolean)
    .join(", ");
}

const TIMING_ROUNDS = 30;
/** A difference of medians below this is noise on a shared machine; above it (and 50 %), existence shows. */
const TIMING_NOISE_MS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export async function isolationSection(kit: Kit): Promise<void> {
  const { report, dialect, auth } = kit;
  report.section("isolation");
  const [ann, bob] = await Promise.all([kit.user(0), kit.user(1)]);
  const annAuth = bearer(await auth.tokenOrThrow(ann));
  const bobAuth = bearer(await auth.tokenOrThrow(bob));
  const annBefore = await dialect.list(annAuth);
  const bobBefore = await dialect.list(bobAuth);
  if (annBefore.outcome !== "data" || bobBefore.outcome !== "data") {
    await report.check("each user can list their tasks", async () =>
      fail(`listing answered ${annBefore.status} / ${bobBefore.status}: ${excerpt(annBefore.text)}`),
    );
    return;
  }

  const created = async (authorization: string, title: string): Promise<Task> => {
    const answer = await dialect.create(authorization, { title, description: `${title} description` });
    if (answer.outcome !== "data" || !answer.data) fail(`create answered ${answer.status}: ${excerpt(answer.text)}`);
    return answer.data;
  };
  const annTasks: Task[] = [];
  const bobTasks: Task[] = [];
  await report.check("each user creates tasks", async () => {
    for (let n = 0; n < 3; n += 1) annTasks.push(await created(annAuth, `ann-${n}-${randomUUID()}`));
    for (let n = 0; n < 2; n += 1) bobTasks.push(await created(bobAuth, `bob-${n}-${randomUUID()}`));
    return `${annTasks.length} + ${bobTasks.length}`;
  });
  const annTask = annTasks[0];
  if (!annTask || bobTasks.length === 0) return;

  await report.check("each user lists exactly their own tasks", async () => {
    const annWrong = difference((await dialect.list(annAuth)).data, [...(annBefore.data ?? []), ...annTasks]);
    const bobWrong = difference((await dialect.list(bobAuth)).data, [...(bobBefore.data ?? []), ...bobTasks]);
    if (annWrong || bobWrong) fail(`the first user lists ${annWrong || "exactly theirs"}; the second ${bobWrong || "exactly theirs"}`);
  });

  // A missing id in the server's own format: one of the user's, deleted.
  const gone = await created(bobAuth, `bob-deleted-${randomUUID()}`);
  await dialect.delete(bobAuth, gone.id);

  await report.check("a stranger's task reads exactly as a missing one", async () =>
    sameAsMissing(await dialect.get(bobAuth, annTask.id), annTask.id, await dialect.get(bobAuth, gone.id), gone.id),
  );
  await report.check("updating a stranger's task answers exactly as a missing one", async () =>
    sameAsMissing(
      await dialect.update(bobAuth, annTask.id, { title: "taken over" }),
      annTask.id,
      await dialect.update(bobAuth, gone.id, { title: "taken over" }),
      gone.id,
    ),
  );
  await report.check("deleting a stranger's task answers exactly as a missing one", async () =>
    sameAsMissing(await dialect.delete(bobAuth, annTask.id), annTask.id, await dialect.delete(bobAuth, gone.id), gone.id),
  );
  await report.check("a stranger's id takes as long to answer as a missing one (within noise)", async () => {
    // Always one instance: two instances may differ in speed, and that is no leak.
    const [instance = dialect] = kit.instances;
    const times: Record<"stranger" | "missing", number[]> = { stranger: [], missing: [] };
    for (let round = 0; round < TIMING_ROUNDS; round += 1) {
      // Interleaved, so a slow moment of the machine falls on both.
      for (const [kind, id] of round % 2 === 0
        ? ([
            ["stranger", annTask.id],
            ["missing", gone.id],
          ] as const)
        : ([
            ["missing", gone.id],
            ["stranger", annTask.id],
          ] as const)) {
        const start = performance.now();
        await instance.get(bobAuth, id);
        times[kind].push(performance.now() - start);
      }
    }
    const [stranger, missing] = [median(times.stranger), median(times.missing)];
    const [slower, faster] = [Math.max(stranger, missing), Math.min(stranger, missing)];
    const detail = `median ${stranger.toFixed(1)} ms for a stranger's id, ${missing.toFixed(1)} ms for a missing one, ${TIMING_ROUNDS} each`;
    if (slower - faster > TIMING_NOISE_MS && slower > faster * 1.5) fail(detail);
    return detail;
  });
  await report.check("the stranger's attempts changed nothing", async () => {
    const answer = await dialect.get(annAuth, annTask.id);
    if (answer.outcome !== "data" || !answer.data) fail(`the owner's task is gone: ${answer.status} ${excerpt(answer.text)}`);
    if (answer.data.title !== annTask.title) fail(`the owner's task now has the title ${answer.data.title}`);
  });
  await report.check("the owner reads, updates and deletes their own task", async () => {
    const own = annTasks[annTasks.length - 1] as Task;
    const updated = await dialect.update(annAuth, own.id, { title: `${own.title}-renamed`, completed: true });
    if (updated.outcome !== "data" || updated.data?.title !== `${own.title}-renamed` || updated.data.completed !== true)
      fail(`update answered ${updated.status}: ${excerpt(updated.text)}`);
    const deleted = await dialect.delete(annAuth, own.id);
    if (deleted.outcome !== "data") fail(`delete answered ${deleted.status}: ${excerpt(deleted.text)}`);
    const after = await dialect.get(annAuth, own.id);
    if (after.outcome !== "missing") fail(`a deleted task reads as ${after.status} ${after.outcome}`);
    annTasks.pop();
  });

  const bobId = (await dialect.whoAmI(bobAuth)).data?.id ?? "";
  const ownerFields: Record<string, unknown>[] = [
    { userId: bobId },
    { ownerId: bobId },
    { owner: bobId },
    { owner: { id: bobId } },
    { user_id: bobId },
  ];
  await report.check("no input lets a client choose the owner", async () => {
    const outcomes: string[] = [];
    const target = annTasks[0] as Task;
    for (const extra of ownerFields) {
      const title = `ann-chooses-owner-${randomUUID()}`;
      const answer = await dialect.create(annAuth, { title, ...extra });
      const changed = await dialect.update(annAuth, target.id, { title: target.title, ...extra });
      outcomes.push(`${Object.keys(extra)[0]}: create ${answer.status}, update ${changed.status}`);
      if (answer.outcome === "data" && answer.data) annTasks.push(answer.data);
    }
    const bobWrong = difference((await dialect.list(bobAuth)).data, [...(bobBefore.data ?? []), ...bobTasks]);
    if (bobWrong) fail(`the second user now lists ${bobWrong}; ${outcomes.join("; ")}`);
    const annWrong = difference((await dialect.list(annAuth)).data, [...(annBefore.data ?? []), ...annTasks]);
    if (annWrong) fail(`the first user now lists ${annWrong}; ${outcomes.join("; ")}`);
    return outcomes.join("; ");
  });

  await isolationSequences(kit, kit.options.runs);
}
