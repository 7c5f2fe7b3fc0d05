// A failure the client cannot act on (a database that is missing or refusing a statement) reaches the
// client as "Unexpected error." with a request id, and reaches the server log with the same id and the
// real error. A database that cannot be reached is the exception: 503 SERVICE_BUSY, logged once for the
// outage. Errors a client can act on (scopes, input, not found) are never masked or logged.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { createApiApp, type ApiApp } from "../src/api/app.ts";
import { createRevocationFeed } from "../src/token-verification/revocation-feed.ts";
import { createDb, type Db, sqlPoolOf } from "../src/db/client.ts";
import { freePort } from "../src/net/free-port.ts";
import { captureLogs, isAccessLine, type LogLine } from "./support/captured-logs.ts";
import { withClient } from "./support/global-setup.ts";
import { dataOf, errorCodes } from "./support/task-operations.ts";
import { startTestSystem, SPA_ORIGIN, type GraphQLResponse, type TestSystem, type TestUser } from "./support/test-system.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let system: TestSystem;
let user: TestUser;
const brokenDbs: Db[] = [];

beforeAll(async () => {
  system = await startTestSystem();
  user = await system.signUp();
});
afterAll(async () => {
  await Promise.all(brokenDbs.map((db) => db.$disconnect().catch(() => {})));
  await system.close();
});

/**
 * An API app whose log is captured: `notes` (below error, access lines aside) and `errors` (error lines). Its
 * revocation feed reads the healthy test database, so a broken `db` shows as data errors here; an
 * unreachable feed answers 503 instead (revocation.test.ts).
 */
function apiWithLog(db: Db): { api: ApiApp; notes: LogLine[]; errors: LogLine[] } {
  const notes: LogLine[] = [];
  const errors: LogLine[] = [];
  const { logger } = captureLogs("info", (line) => {
    if (line.level === "error") errors.push(line);
    else if (!isAccessLine(line)) notes.push(line);
    return false;
  });
  const api = createApiApp({ db: sqlPoolOf(db), config: system.apiConfig, revocations: healthyFeed(), logger });
  return { api, notes, errors };
}

function healthyFeed() {
  return createRevocationFeed({
    connectionString: system.database.url,
    maxStalenessMs: system.apiConfig.revocationMaxStalenessMs,
    horizonMs: 20 * 60_000,
    clockToleranceMs: 30_000,
  });
}

function databaseUrl(change: (url: URL) => void): string {
  const url = new URL(system.database.url);
  change(url);
  return url.toString();
}

/**
 * The client sees the masked error and the request id, in the header and the error, and nothing else:
 * no SQL, no Prisma or driver text, no database name, no stack.
 */
function expectMasked(response: GraphQLResponse, path: string, leaks: string[]): string {
  const requestId = response.headers.get("x-request-id");
  expect(requestId).toMatch(UUID);
  expect(response.status).toBe(200);
  expect(response.body.errors).toEqual([
    {
      message: "Unexpected error.",
      locations: expect.any(Array),
      path: [path],
      extensions: { code: "INTERNAL_SERVER_ERROR", requestId },
    },
  ]);
  for (const leak of [...leaks, "prisma", "postgres", "SELECT", "INSERT", "relation", "invocation", "ECONNREFUSED", "    at ", ".ts:"]) {
    expect(response.text.toLowerCase()).not.toContain(leak.toLowerCase());
  }
  return requestId as string;
}

/** Exactly one error line, naming the request and carrying the real error. */
function expectLogged(errors: LogLine[], requestId: string, realError: RegExp) {
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ service: "api", requestId, msg: "unexpected error" });
  expect(errors[0]!.error).toMatch(realError);
}

describe("a database that is not there", () => {
  test("a database name that does not exist on the server: masked for the client, logged with the request id", async () => {
    const missing = `tasks_missing_${randomBytes(4).toString("hex")}`;
    const db = createDb(databaseUrl((url) => (url.pathname = `/${missing}`)));
    brokenDbs.push(db);
    const { api, errors } = apiWithLog(db);

    const read = await system.graphql("{ me { id email } }", { token: user.token, api });
    expect(read.body.data).toEqual({ me: null });
    const readId = expectMasked(read, "me", [missing, "does not exist"]);
    expectLogged(errors, readId, new RegExp(`${missing}.*does not exist|does not exist.*${missing}`, "s"));

    errors.length = 0;
    const write = await system.graphql('mutation { createTask(input: { title: "lost" }) { id } }', { token: user.token, api });
    expect(write.body.data).toBeNull();
    const writeId = expectMasked(write, "createTask", [missing, "does not exist"]);
    expect(writeId).not.toBe(readId);
    expectLogged(errors, writeId, new RegExp(missing));
  });

  test("a database server that is not running: 503 SERVICE_BUSY with Retry-After, said once in the log, not per request", async () => {
    const port = await freePort();
    const outage: string[] = [];
    const db = createDb(
      databaseUrl((url) => (url.port = String(port))),
      { log: (line) => outage.push(line) },
    );
    brokenDbs.push(db);
    const { api, errors } = apiWithLog(db);

    for (const [query, path] of [
      ["{ tasks { totalCount edges { node { id } } } }", "tasks"],
      ["{ me { id } }", "me"],
      ['mutation { createTask(input: { title: "lost" }) { id } }', "createTask"],
    ] as const) {
      const response = await system.graphql(query, { token: user.token, api });
      expect(response.status, path).toBe(503);
      expect(response.headers.get("retry-after")).toBe("2");
      expect(response.body.errors).toEqual([
        { message: "The service is busy. Try again shortly.", path: [path], extensions: { code: "SERVICE_BUSY" } },
      ]);
      for (const leak of [String(port), "reach", "DatabaseNotReachable", "ECONNREFUSED", "prisma", "postgres", "    at "]) {
        expect(response.text.toLowerCase()).not.toContain(leak.toLowerCase());
      }
    }
    // One line for the outage (with the real cause), none per request.
    expect(outage).toHaveLength(1);
    expect(outage[0]).toMatch(new RegExp(`database unavailable \\(.*ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    expect(errors).toEqual([]);
  });
});

describe("a statement that fails on a live database", () => {
  test("a write the database refuses is masked, logged with the request id, and writes nothing", async () => {
    await withClient(system.database.url, (client) =>
      client.query(`ALTER TABLE "task" ADD CONSTRAINT "title_is_not_forbidden" CHECK (title <> 'forbidden title')`),
    );
    const { api, errors } = apiWithLog(system.db);
    const before = await system.db.task.count();

    const refused = await system.graphql('mutation { createTask(input: { title: "forbidden title" }) { id } }', { token: user.token, api });
    expect(refused.body.data).toBeNull();
    const requestId = expectMasked(refused, "createTask", ["title_is_not_forbidden", "violates", "constraint", '"task"']);
    expectLogged(errors, requestId, /violates check constraint "title_is_not_forbidden"/);
    expect(await system.db.task.count()).toBe(before);

    // The same app over the same database goes on working for everything else.
    const accepted = await system.graphql('mutation { createTask(input: { title: "allowed title" }) { title } }', {
      token: user.token,
      api,
    });
    expect(dataOf(accepted).createTask).toEqual({ title: "allowed title" });
    expect(errors).toHaveLength(1);
  });
});

describe("errors a client can act on are not masked", () => {
  test("scope failures give FORBIDDEN or UNAUTHENTICATED, and nothing is logged as an error", async () => {
    const { api, errors } = apiWithLog(system.db);
    const forbidden = await system.graphql("{ adminStats { users tasks } }", { token: user.token, api });
    expect(errorCodes(forbidden)).toEqual(["FORBIDDEN"]);
    expect(forbidden.body.errors?.[0]?.message).toBe("You are not allowed to do this.");
    const anonymous = await system.graphql("{ tasks { totalCount } }", { api });
    expect(errorCodes(anonymous)).toEqual(["UNAUTHENTICATED"]);
    for (const response of [forbidden, anonymous]) {
      expect(response.text).not.toContain("Unexpected error.");
      expect(response.body.errors?.[0]?.extensions).not.toHaveProperty("requestId");
    }
    expect(errors).toEqual([]);
  });

  test("a task that is not found and invalid input keep their codes, and nothing is logged as an error", async () => {
    const { api, errors } = apiWithLog(system.db);
    const missing = await system.graphql('mutation { deleteTask(id: "no-such-task") }', { token: user.token, api });
    expect(errorCodes(missing)).toEqual(["NOT_FOUND"]);
    const invalid = await system.graphql('mutation { createTask(input: { title: "" }) { id } }', { token: user.token, api });
    expect(errorCodes(invalid)).toEqual(["BAD_USER_INPUT"]);
    expect(errors).toEqual([]);
  });
});

describe("request ids", () => {
  test("every response carries a new id, whatever its status, and the SPA may read it", async () => {
    const { api } = apiWithLog(system.db);
    const ok = await system.graphql("{ me { id } }", { token: user.token, api, headers: { origin: SPA_ORIGIN } });
    const again = await system.graphql("{ me { id } }", { token: user.token, api });
    const badToken = await system.graphql("{ me { id } }", { token: `${user.token}x`, api });
    const tooLarge = await system.graphql(`{ me { id } } # ${"x".repeat(200_000)}`, { api });
    expect([ok.status, again.status, badToken.status, tooLarge.status]).toEqual([200, 200, 401, 413]);
    const ids = [ok, again, badToken, tooLarge].map((response) => response.headers.get("x-request-id"));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ok.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("x-request-id");
  });

  test("concurrent failing requests each log under their own id", async () => {
    const db = createDb(databaseUrl((url) => (url.pathname = `/tasks_missing_${randomBytes(4).toString("hex")}`)));
    brokenDbs.push(db);
    const { api, errors } = apiWithLog(db);
    // Each request names its field differently (an alias), so each log line shows which request it is.
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, index) => system.graphql(`{ call${index}: me { id } }`, { token: user.token, api })),
    );
    const ids = responses.map((response, index) => expectMasked(response, `call${index}`, []));
    expect(new Set(ids).size).toBe(ids.length);
    expect(errors).toHaveLength(ids.length);
    ids.forEach((id, index) => {
      const lines = errors.filter((line) => line.requestId === id);
      expect(lines).toHaveLength(1);
      expect(lines[0]!.error).toContain(`GraphQL error at call${index}: `);
    });
  });

  test("an id sent by the client is not used: the server makes its own", async () => {
    const { api } = apiWithLog(system.db);
    const response = await system.graphql("{ me { id } }", { token: user.token, api, headers: { "x-request-id": "chosen-by-client" } });
    expect(response.headers.get("x-request-id")).toMatch(UUID);
  });

  test("the reason a token was rejected is logged with the request id", async () => {
    const { api, notes, errors } = apiWithLog(system.db);
    const response = await system.graphql("{ me { id } }", { token: `${user.token}x`, api });
    expect(response.status).toBe(401);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ msg: "token rejected", requestId: response.headers.get("x-request-id") });
    expect(notes[0]!.reason).toEqual(expect.any(String));
    expect(errors).toEqual([]);
  });

  test("an app given no error log writes the real error to console.error", async () => {
    const db = createDb(databaseUrl((url) => (url.pathname = `/tasks_missing_${randomBytes(4).toString("hex")}`)));
    brokenDbs.push(db);
    const printed: string[] = [];
    vi.mocked(console.error).mockImplementationOnce((line: unknown) => void printed.push(String(line)));
    const response = await system.graphql("{ me { id } }", {
      token: user.token,
      api: createApiApp({ db: sqlPoolOf(db), config: system.apiConfig, revocations: healthyFeed() }),
    });
    const requestId = expectMasked(response, "me", []);
    expectLogged(
      printed.map((line) => JSON.parse(line) as LogLine),
      requestId,
      /does not exist/,
    );
  });
});
