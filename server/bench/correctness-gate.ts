// Before any load: every server must give each user exactly that user's answer. GraphQL errors come
// back with HTTP 200 and a load tool would count them as successes, so an answer with an `errors` field
// fails here, whatever else it holds. The expected answers come straight from the database.
import type pg from "pg";
import type { BenchUser } from "./bench-users.ts";
import { dialects, readViewerId, type HttpRequest, type ScenarioName, type TaskRow } from "./scenarios.ts";
import type { ServerEntry } from "./servers/catalogue.ts";
import { writeScenarioTitle } from "./seed-tasks.ts";

export interface Expected {
  newest: Map<string, TaskRow[]>;
}

/** Each user's newest `pageSize` tasks (the read and deep scenarios' answers), straight from the table. */
export async function expectedAnswers(client: pg.Client, users: BenchUser[], pageSize: number): Promise<Expected> {
  const newest = new Map<string, TaskRow[]>();
  for (const user of users) {
    const { rows } = await client.query<TaskRow>(
      `SELECT t.id, t.title, u.name AS "ownerName" FROM task t JOIN "user" u ON u.id = t."userId"
       WHERE t."userId" = $1 ORDER BY t."createdAt" DESC, t.id DESC LIMIT $2`,
      [user.id, pageSize],
    );
    newest.set(user.id, rows);
  }
  return { newest };
}

export async function send(baseUrl: string, request: HttpRequest): Promise<unknown> {
  const response = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${response.status}, not JSON: ${text.slice(0, 300)}`);
  }
  if (typeof body === "object" && body !== null && "errors" in body) {
    throw new Error(`HTTP ${response.status} with errors: ${JSON.stringify((body as { errors: unknown }).errors).slice(0, 500)}`);
  }
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text.slice(0, 300)}`);
  return body;
}

/** Returns the problems found (empty when the server is correct for every user). */
export async function checkServer(
  scenario: ScenarioName,
  entry: ServerEntry,
  baseUrl: string,
  users: BenchUser[],
  expected: Expected,
  client: pg.Client,
  pageSize: number,
): Promise<string[]> {
  const requests = dialects[entry.dialect];
  const problems: string[] = [];
  for (const [index, user] of users.entries()) {
    const want = expected.newest.get(user.id) ?? [];
    try {
      if (scenario === "read" && entry.readAnswer === "viewer") {
        const viewer = readViewerId(await send(baseUrl, requests.read(user, pageSize)));
        if (viewer !== user.id) problems.push(`${user.name}: answered as ${viewer}`);
      } else if (scenario === "read") {
        const got = requests.readTasks(await send(baseUrl, requests.read(user, pageSize)));
        const same = sameList(
          got.map((task) => task.id),
          want.map((task) => task.id),
        );
        if (!same) problems.push(`${user.name}: ids ${describe(got)} instead of ${describe(want)}`);
      } else if (scenario === "deep") {
        const got = requests.readDeepTasks(await send(baseUrl, requests.deep(user)));
        const gotKeys = got.map((task) => `${task.id}/${task.ownerName}`);
        const wantKeys = want.map((task) => `${task.id}/${task.ownerName}`);
        if (!sameList(gotKeys, wantKeys))
          problems.push(`${user.name}: ${gotKeys.slice(0, 2).join(", ")}... instead of ${wantKeys.slice(0, 2).join(", ")}...`);
      } else {
        const id = requests.readCreatedId(await send(baseUrl, requests.create(user, writeScenarioTitle(index))));
        const completed = requests.readCompleted(await send(baseUrl, requests.complete(user, id)));
        if (completed.id !== id || completed.completed !== true)
          problems.push(`${user.name}: completing ${id} answered ${JSON.stringify(completed)}`);
        const { rows } = await client.query<{ userId: string; completed: boolean }>(`SELECT "userId", completed FROM task WHERE id = $1`, [
          id,
        ]);
        if (rows[0]?.userId !== user.id || rows[0]?.completed !== true) {
          problems.push(`${user.name}: task ${id} in the database is ${JSON.stringify(rows[0] ?? null)}`);
        }
      }
    } catch (error) {
      problems.push(`${user.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

function describe(tasks: TaskRow[]): string {
  return `[${tasks.length}: ${tasks
    .slice(0, 2)
    .map((task) => task.id.slice(0, 8))
    .join(", ")}...]`;
}
