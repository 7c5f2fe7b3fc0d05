// A `tasks` request costs the same number of SQL statements whatever the page size and whatever Task
// fields are asked for, nested objects included, and so does a page of one's security events: an N+1
// regression fails here rather than in production.
// Statements are counted where they leave for PostgreSQL, on pg's Client (the pool under Prisma's
// adapter), so the app under test is the real one, built by createDb and createApiApp unchanged.
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { schema } from "../src/schema/index.ts";
import { ops } from "./support/task-operations.ts";
import { startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

const PAGE_SIZES = [1, 20, 100];

let system: TestSystem;
let user: TestUser;
let recording: string[] | undefined;
const originalQuery = pg.Client.prototype.query;

beforeAll(async () => {
  pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
    const [config] = args;
    recording?.push(typeof config === "string" ? config : String((config as { text?: unknown } | undefined)?.text));
    return (originalQuery as (...queryArgs: unknown[]) => unknown).apply(this, args);
  } as typeof originalQuery;
  system = await startTestSystem();
  user = await system.signUp("Query Counter");
  const tasks = ops(system, user);
  // One more than the largest page, so every page size is full and has a next page.
  for (let batch = 0; batch < 101; batch += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, 101 - batch) }, (_, index) =>
        tasks.create({ title: `Task ${batch + index}`, dueAt: new Date(Date.UTC(2030, 0, 1 + batch + index)).toISOString() }),
      ),
    );
  }
  // The first request fetches the JWKS from the auth service (a statement of its own): not counted.
  await statementsOf("{ me { id } }");
});

afterAll(async () => {
  pg.Client.prototype.query = originalQuery;
  await system?.close();
});

/** What frames each Task statement: its own transaction, as the owner (tasks/owner-transaction.ts). */
const OWNER_FRAME = [
  "BEGIN",
  "SELECT set_config('role', 'tasks_api_owner_scoped', true), set_config('app.user_id', $1, true), set_config('app.tasks_max', $2, true), set_config('app.task_text_bytes_max', $3, true)",
  "COMMIT",
];

/**
 * The SQL statements one GraphQL request sends to PostgreSQL that read or write data, and its data. Every
 * Task statement must come framed as the owner (checked here); the frame itself is not counted.
 */
async function statementsOf(query: string, variables?: Record<string, unknown>) {
  recording = [];
  try {
    const response = await system.graphql(query, { token: user.token, variables });
    expect(response.body.errors, response.text).toBeUndefined();
    expect(response.status).toBe(200);
    const sent = recording;
    sent.forEach((statement, index) => {
      if (!/"task"/.test(statement)) return;
      expect([sent[index - 2], sent[index - 1], sent[index + 1]], `the frame around: ${statement}`).toEqual(OWNER_FRAME);
    });
    return { statements: sent.filter((statement) => !OWNER_FRAME.includes(statement)), data: response.body.data as Record<string, any> };
  } finally {
    recording = undefined;
  }
}

/** Every field of Task, and every scalar field of any object a Task field leads to (an owner, say). */
function everyTaskField(): string {
  const fieldsOf = (typeName: string) =>
    (schema.getType(typeName) as { getFields?: () => Record<string, { name: string; type: { toString(): string } }> }).getFields?.();
  const named = (type: { toString(): string }) => type.toString().replace(/[[\]!]/g, "");
  return Object.values(fieldsOf("Task") ?? {})
    .map((field) => {
      const nested = fieldsOf(named(field.type));
      if (!nested) return field.name;
      const scalars = Object.values(nested).filter((inner) => !fieldsOf(named(inner.type)));
      return `${field.name} { ${scalars.map((inner) => inner.name).join(" ")} }`;
    })
    .join(" ");
}

test("a page of tasks is one SQL statement, whether it holds 1, 20 or 100 tasks", async () => {
  const counts: number[] = [];
  for (const first of PAGE_SIZES) {
    const { statements, data } = await statementsOf(
      "query($first: Int) { tasks(first: $first) { edges { cursor node { id title } } pageInfo { hasNextPage endCursor } } }",
      { first },
    );
    expect(data.tasks.edges).toHaveLength(first);
    expect(statements.join("\n")).toMatch(/"task"/);
    counts.push(statements.length);
  }
  expect(counts).toEqual([1, 1, 1]);
});

test("every Task field, nested objects and totalCount included, costs the same statements at 1, 20 and 100 per page", async () => {
  const selection = everyTaskField();
  const counts: number[] = [];
  for (const first of PAGE_SIZES) {
    const { statements, data } = await statementsOf(
      `query($first: Int) { tasks(first: $first) { totalCount edges { cursor node { ${selection} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
      { first },
    );
    expect(data.tasks.edges).toHaveLength(first);
    expect(data.tasks.totalCount).toBe(101);
    counts.push(statements.length);
  }
  expect(new Set(counts).size, `statements per page size ${PAGE_SIZES.join("/")}: ${counts.join("/")}`).toBe(1);
  // The page and its count; a relation loaded in one batch adds one, never one per task.
  expect(counts[0]).toBeLessThanOrEqual(2 + selection.split("{").length - 1);
});

test("the next page, by cursor, costs what the first page costs", async () => {
  const query = "query($after: String) { tasks(first: 20, after: $after) { edges { node { id } } pageInfo { endCursor } } }";
  const first = await statementsOf(query);
  const next = await statementsOf(query, { after: first.data.tasks.pageInfo.endCursor });
  expect(next.data.tasks.edges).toHaveLength(20);
  expect(next.statements).toHaveLength(first.statements.length);
});

test("a page of my security events is one statement at 1, 10 and 100 per page, runs of failed sign-ins grouped in it, and so is the next", async () => {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const refused = await system.authFetch("/api/auth/sign-in/email", {
      method: "POST",
      body: JSON.stringify({ email: user.email, password: "not it" }),
    });
    expect(refused.status).toBe(401);
  }
  const query = `query($first: Int, $after: String) { me { securityEvents(first: $first, after: $after) {
    edges { cursor node { id kind actor count countCapped firstAt at actorId sessionId ipAddress userAgent detail } } pageInfo { hasNextPage endCursor } } } }`;
  const counts: number[] = [];
  for (const first of [1, 10, 100]) {
    const { statements, data } = await statementsOf(query, { first });
    expect(data.me.securityEvents.edges[0].node).toMatchObject({ kind: "SIGN_IN_FAILED", count: 3 });
    expect(statements.filter((statement) => /"audit_event"/.test(statement))).toHaveLength(1);
    counts.push(statements.length);
  }
  const next = await statementsOf(query, {
    first: 1,
    after: (await statementsOf(query, { first: 1 })).data.me.securityEvents.pageInfo.endCursor,
  });
  expect(next.data.me.securityEvents.edges[0].node.kind).not.toBe("SIGN_IN_FAILED");
  counts.push(next.statements.length);
  expect(new Set(counts).size, `statements per request: ${counts.join("/")}`).toBe(1);
});
