// Before any load: every server must give each user exactly that user's answer. GraphQL errors come
// back with HTTP 200 and a load tool would count them as successes, so an answer with an `errors` field
// fails here, whatever else it holds. The expected answers come straight from the database.
// A server that takes DPoP-bound tokens (project-dpop) is asked exactly as the load asks it (the bound token,
// a fresh proof per request), so its right answers are answers given as the user; before that, it must refuse
// the same token without a proof, with a replayed proof, with another user's key, and presented as Bearer,
// and (it runs with API_DPOP=required) the user's plain bearer token: only then are the measured requests
// known to be DPoP requests the API checked.
import type pg from "pg";
import type { BenchUser } from "./bench-users.ts";
import { makeDpopProof } from "./dpop-client.ts";
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

/** One request as the load tool would send it, given 10 s to answer. */
function fetchAnswer(baseUrl: string, request: HttpRequest): Promise<Response> {
  return fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(10_000),
  });
}

export async function send(baseUrl: string, request: HttpRequest): Promise<unknown> {
  const response = await fetchAnswer(baseUrl, request);
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

/** The request as `entry`'s clients send it: unchanged (bearer), or the user's bound token with a new proof. */
export function presentAs(entry: ServerEntry, baseUrl: string, user: BenchUser, request: HttpRequest): HttpRequest {
  if (entry.credentials === "bearer") return request;
  return withDpop(user, request, makeDpopProof(user.dpop.key, dpopTarget(baseUrl, user, request)));
}

function dpopTarget(baseUrl: string, user: BenchUser, request: HttpRequest) {
  return { method: request.method, url: `${baseUrl}${request.path}`, accessToken: user.dpop.token };
}

function withDpop(user: BenchUser, request: HttpRequest, proof: string | null, scheme = "DPoP"): HttpRequest {
  const headers: Record<string, string> = { ...request.headers, authorization: `${scheme} ${user.dpop.token}` };
  if (proof !== null) headers.dpop = proof;
  return { ...request, headers };
}

/** What a refused request answered: status, the challenge, the GraphQL error code, and whether it held data. */
async function refusal(baseUrl: string, request: HttpRequest) {
  const response = await fetchAnswer(baseUrl, request);
  const text = await response.text();
  let body: { data?: unknown; errors?: { extensions?: { code?: unknown } }[] } = {};
  try {
    body = JSON.parse(text);
  } catch {}
  return {
    status: response.status,
    challenge: response.headers.get("www-authenticate") ?? "",
    code: String(body.errors?.[0]?.extensions?.code ?? ""),
    data: body.data ?? null,
  };
}

/**
 * The DPoP server's refusals, each of a request the load tool never sends, at one user's read: 401 with a DPoP
 * challenge naming the error, the error's code, no data. The replayed proof is first accepted, then refused.
 */
async function checkDpopRefusals(baseUrl: string, user: BenchUser, other: BenchUser, read: HttpRequest): Promise<string[]> {
  const problems: string[] = [];
  const expectRefused = async (what: string, request: HttpRequest, error: "invalid_dpop_proof" | "invalid_token") => {
    const got = await refusal(baseUrl, request);
    const code = error === "invalid_dpop_proof" ? "INVALID_DPOP_PROOF" : "INVALID_TOKEN";
    const challenged = /^DPoP\b/.test(got.challenge) && got.challenge.includes(`error="${error}"`);
    if (got.status !== 401 || !challenged || got.code !== code || got.data !== null) {
      problems.push(
        `${what}: HTTP ${got.status}, WWW-Authenticate "${got.challenge}", code ${got.code || "none"}, data ${JSON.stringify(got.data).slice(0, 100)}`,
      );
    }
  };
  const proof = () => makeDpopProof(user.dpop.key, dpopTarget(baseUrl, user, read));
  await expectRefused("bound token without a proof was not refused", withDpop(user, read, null), "invalid_dpop_proof");
  await expectRefused("bound token as Bearer was not refused", withDpop(user, read, proof(), "Bearer"), "invalid_token");
  await expectRefused(
    "proof from another user's key was not refused",
    withDpop(user, read, makeDpopProof(other.dpop.key, dpopTarget(baseUrl, user, read))),
    "invalid_dpop_proof",
  );
  await expectRefused("plain bearer token was not refused (the row must run with API_DPOP=required)", read, "invalid_token");
  const once = withDpop(user, read, proof());
  try {
    await send(baseUrl, once);
    await expectRefused("replayed proof was not refused", once, "invalid_dpop_proof");
  } catch (error) {
    problems.push(`a first-use proof was not accepted: ${error instanceof Error ? error.message : String(error)}`);
  }
  return problems.map((problem) => `${user.name}: DPoP: ${problem}`);
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
  const as = (user: BenchUser, request: HttpRequest) => presentAs(entry, baseUrl, user, request);
  const [first, second] = users;
  if (entry.credentials === "dpop") {
    if (!first || !second) problems.push("the DPoP refusals need two users (one's key, the other's token)");
    else problems.push(...(await checkDpopRefusals(baseUrl, first, second, requests.read(first, pageSize))));
  }
  for (const [index, user] of users.entries()) {
    const want = expected.newest.get(user.id) ?? [];
    try {
      if (scenario === "read" && entry.readAnswer === "viewer") {
        const viewer = readViewerId(await send(baseUrl, as(user, requests.read(user, pageSize))));
        if (viewer !== user.id) problems.push(`${user.name}: answered as ${viewer}`);
      } else if (scenario === "read") {
        const got = requests.readTasks(await send(baseUrl, as(user, requests.read(user, pageSize))));
        const same = sameList(
          got.map((task) => task.id),
          want.map((task) => task.id),
        );
        if (!same) problems.push(`${user.name}: ids ${describe(got)} instead of ${describe(want)}`);
      } else if (scenario === "deep") {
        const got = requests.readDeepTasks(await send(baseUrl, as(user, requests.deep(user))));
        const gotKeys = got.map((task) => `${task.id}/${task.ownerName}`);
        const wantKeys = want.map((task) => `${task.id}/${task.ownerName}`);
        if (!sameList(gotKeys, wantKeys))
          problems.push(`${user.name}: ${gotKeys.slice(0, 2).join(", ")}... instead of ${wantKeys.slice(0, 2).join(", ")}...`);
      } else {
        const id = requests.readCreatedId(await send(baseUrl, as(user, requests.create(user, writeScenarioTitle(index)))));
        const completed = requests.readCompleted(await send(baseUrl, as(user, requests.complete(user, id))));
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
