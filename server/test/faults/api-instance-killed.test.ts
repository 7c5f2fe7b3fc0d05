// An API instance killed with SIGKILL in the middle of a load of writes sent to two instances (separate
// processes, as behind a load balancer): no shutdown, requests in flight simply lose their connection.
// Guaranteed: the other instance serves on, every write either instance acknowledged is stored exactly
// once, nothing is stored twice, and nothing is stored that was not sent. A write in flight on the killed
// instance got no answer: it may or may not be stored (the client cannot know, as with any lost
// connection); the figures say how many were.
import { afterAll, beforeAll, expect, test } from "vitest";
import { withClient } from "../../src/db/with-client.ts";
import { startApiProcess, type ApiProcess } from "../support/api-process.ts";
import { startTestSystem, type TestSystem, type TestUser } from "../support/test-system.ts";
import { graphqlAnswer } from "../support/graphql-answer.ts";

const CREATE = "mutation ($title: String!) { createTask(input: { title: $title }) { id } }";
const COUNT = "{ tasks(first: 1) { totalCount } }";
/** Writers per instance, each sending its next write when the last is answered. */
const WRITERS = 4;

let system: TestSystem;
let instances: { name: string; process: ApiProcess }[];
let user: TestUser;

beforeAll(async () => {
  system = await startTestSystem();
  const [first, second] = await Promise.all([startApiProcess(system), startApiProcess(system)]);
  instances = [
    { name: "killed", process: first },
    { name: "survivor", process: second },
  ];
  user = await system.signUp();
}, 120_000);

afterAll(async () => {
  await Promise.all((instances ?? []).map((instance) => instance.process.stop()));
  await system?.close();
});

interface Sent {
  instance: string;
  kind: "create" | "read";
  title: string;
  sentAt: number;
  /** 0: no answer (connection refused or reset). */
  status: number;
  code: string;
}

test("SIGKILL on one of two API instances under writes: the other serves on; every acknowledged write stored exactly once", async () => {
  const log: Sent[] = [];
  let running = true;
  let sequence = 0;
  const writer = async (instance: (typeof instances)[number]) => {
    while (running) {
      sequence += 1;
      const title = `kill load ${instance.name} ${sequence}`;
      const sentAt = Date.now();
      log.push({
        instance: instance.name,
        kind: "create",
        title,
        sentAt,
        ...(await graphqlAnswer(instance.process.url, user.token, CREATE, { title })),
      });
      // A killed instance refuses at once: do not spin.
      if (log.at(-1)!.status === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const reader = async (instance: (typeof instances)[number]) => {
    while (running) {
      log.push({
        instance: instance.name,
        kind: "read",
        title: "",
        sentAt: Date.now(),
        ...(await graphqlAnswer(instance.process.url, user.token, COUNT)),
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const loops = instances.flatMap((instance) => [...Array.from({ length: WRITERS }, () => writer(instance)), reader(instance)]);

  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const killedAt = Date.now();
  await instances[0]!.process.kill("SIGKILL");
  const exitedAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  running = false;
  await Promise.all(loops);

  const stored = await withClient(system.database.url, async (client) => {
    const { rows } = await client.query<{ title: string; copies: number }>(
      `SELECT "title", count(*)::int AS copies FROM "task" WHERE "title" LIKE 'kill load %' GROUP BY "title"`,
    );
    return new Map(rows.map((row) => [row.title, row.copies]));
  });
  const creates = log.filter((sent) => sent.kind === "create");
  const acknowledged = creates.filter((sent) => sent.status === 200 && sent.code === "");
  const unanswered = creates.filter((sent) => sent.status === 0);
  const table = new Map<string, number>();
  for (const sent of log) {
    const key = `${sent.instance.padEnd(8)} ${sent.kind.padEnd(6)} ${sent.sentAt < killedAt ? "before kill" : "after kill "} ${sent.status} ${sent.code || "ok"}`;
    table.set(key, (table.get(key) ?? 0) + 1);
  }
  console.log(
    `SIGKILL: the process exited ${exitedAt - killedAt} ms after the signal\n` +
      `answers (instance, request, phase, status, code: count):\n  ${[...table]
        .sort()
        .map(([key, count]) => `${key}: ${count}`)
        .join("\n  ")}\n` +
      `creates: ${creates.length} sent, ${acknowledged.length} acknowledged (all stored once: ${acknowledged.every((sent) => stored.get(sent.title) === 1)}), ` +
      `${unanswered.length} unanswered of which ${unanswered.filter((sent) => stored.has(sent.title)).length} stored (in flight at the kill), ${stored.size} rows`,
  );

  expect(instances[0]!.process.alive()).toBe(false);
  expect(instances[1]!.process.alive(), instances[1]!.process.output().slice(-2000)).toBe(true);
  // The survivor answered every request, before and after the kill, with success.
  const survivor = log.filter((sent) => sent.instance === "survivor");
  expect(survivor.filter((sent) => sent.sentAt >= exitedAt).length).toBeGreaterThan(20);
  expect(survivor.filter((sent) => sent.status !== 200 || sent.code !== "")).toEqual([]);
  // The killed instance answered nothing after it was gone, and nothing it answered was an error.
  const killed = log.filter((sent) => sent.instance === "killed");
  expect(killed.filter((sent) => sent.sentAt >= exitedAt && sent.status !== 0)).toEqual([]);
  expect(killed.filter((sent) => sent.status !== 0 && (sent.status !== 200 || sent.code !== ""))).toEqual([]);
  // Row by row: acknowledged means stored once; nothing twice; nothing that was never sent.
  expect(acknowledged.filter((sent) => sent.instance === "killed").length).toBeGreaterThan(5);
  expect(acknowledged.filter((sent) => stored.get(sent.title) !== 1).map((sent) => sent.title)).toEqual([]);
  expect([...stored].filter(([, copies]) => copies !== 1)).toEqual([]);
  const sentTitles = new Set(creates.map((sent) => sent.title));
  expect([...stored.keys()].filter((title) => !sentTitles.has(title))).toEqual([]);
  // Unanswered writes sent after the process was gone cannot have been stored.
  expect(unanswered.filter((sent) => sent.sentAt >= exitedAt && stored.has(sent.title))).toEqual([]);
}, 60_000);
