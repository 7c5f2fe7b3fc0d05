// Realistic tasks, the same every run (seeded random): everyday titles, some descriptions, due dates on
// most, about a third completed, creation times spread over the past year. Creation times are distinct
// per user so "newest 20" has exactly one answer, whatever tie-breaker a server uses.
import { randomUUID } from "node:crypto";
import type pg from "pg";

const VERBS = [
  "Call",
  "Email",
  "Book",
  "Buy",
  "Fix",
  "Review",
  "Plan",
  "Renew",
  "Cancel",
  "Schedule",
  "Pay",
  "Clean",
  "Prepare",
  "Send",
  "Return",
  "Update",
  "Check",
  "Order",
  "Write",
  "Pick up",
];
const THINGS = [
  "the plumber about the kitchen sink",
  "dentist appointment",
  "groceries for the week",
  "car insurance",
  "passport",
  "quarterly budget",
  "team offsite agenda",
  "gym membership",
  "electricity bill",
  "the garage",
  "slides for Monday's review",
  "birthday present for Sam",
  "library books",
  "bike brakes",
  "tax documents",
  "flight to Lisbon",
  "the landlord about the heating",
  "project status report",
  "running shoes",
  "thank-you notes",
  "the vet for Luna's vaccines",
  "pull request feedback",
  "meeting notes",
  "winter tyres",
  "the spare room",
];
const CONTEXTS = ["", "", "", " before Friday", " this weekend", " after work", " for next month", " with Dana", " (urgent)", " again"];
const DESCRIPTIONS = [
  "",
  "",
  "Check the confirmation email first.",
  "Ask for the invoice to be sent to the work address.",
  "Receipt is in the blue folder on the shelf.",
  "Compare at least three offers before deciding.",
  "Dana has the details; ping her on chat if anything is unclear.",
];

const DAY_MS = 24 * 60 * 60 * 1000;

/** Deterministic PRNG (mulberry32), so every run seeds the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(items: readonly T[], next: () => number): T {
  return items[Math.floor(next() * items.length)] as T;
}

export function realisticTitle(next: () => number): string {
  return `${pick(VERBS, next)} ${pick(THINGS, next)}${pick(CONTEXTS, next)}`;
}

/** A title for tasks the write scenario creates (fixed per user: the load tool sends static bodies). */
export function writeScenarioTitle(userIndex: number): string {
  return realisticTitle(random(10_000 + userIndex));
}

/**
 * Inserts `count` tasks for one user in one statement; all created before `now`. Times go in as UTC
 * wall-clock text into the timestamp(3) columns, which is how Prisma stores a Date there.
 */
export async function seedTasks(client: pg.Client, userId: string, userIndex: number, count: number, now: Date): Promise<void> {
  const next = random(userIndex + 1);
  const spacing = Math.floor((365 * DAY_MS) / count);
  const rows = Array.from({ length: count }, (_, index) => {
    // One slot per task going back from now, jittered inside its slot: distinct and unordered by id.
    const createdAt = new Date(now.getTime() - (index + 1) * spacing + Math.floor(next() * (spacing - 1)));
    const updatedAt = new Date(createdAt.getTime() + Math.floor(next() * 3 * DAY_MS));
    const dueAt = next() < 0.7 ? new Date(createdAt.getTime() + Math.floor((1 + next() * 30) * DAY_MS)) : null;
    return {
      id: randomUUID(),
      title: realisticTitle(next),
      description: pick(DESCRIPTIONS, next),
      completed: next() < 0.35,
      dueAt,
      createdAt,
      updatedAt: updatedAt > now ? now : updatedAt,
    };
  });
  // The usage trigger (quota) upserts one task_usage row per inserted task: inside one statement of
  // 100,000 rows that row's versions pile up and each upsert walks them all (minutes per user). Seeding
  // runs without triggers and writes the owner's usage once, as the trigger would have left it.
  await client.query("BEGIN");
  await client.query("SET LOCAL session_replication_role = replica");
  await client.query(
    `INSERT INTO task (id, title, description, completed, "dueAt", "createdAt", "updatedAt", "userId")
     SELECT id, title, description, completed, "dueAt", "createdAt", "updatedAt", $8
     FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::timestamp[], $6::timestamp[], $7::timestamp[])
       AS seed(id, title, description, completed, "dueAt", "createdAt", "updatedAt")`,
    [
      rows.map((row) => row.id),
      rows.map((row) => row.title),
      rows.map((row) => row.description),
      rows.map((row) => row.completed),
      rows.map((row) => row.dueAt?.toISOString() ?? null),
      rows.map((row) => row.createdAt.toISOString()),
      rows.map((row) => row.updatedAt.toISOString()),
      userId,
    ],
  );
  await client.query(
    `INSERT INTO task_usage ("userId", "tasks", "textBytes")
     SELECT "userId", count(*), coalesce(sum(octet_length("title") + octet_length("description")), 0) FROM task WHERE "userId" = $1 GROUP BY "userId"
     ON CONFLICT ("userId") DO UPDATE SET "tasks" = EXCLUDED."tasks", "textBytes" = EXCLUDED."textBytes"`,
    [userId],
  );
  await client.query("COMMIT");
}
