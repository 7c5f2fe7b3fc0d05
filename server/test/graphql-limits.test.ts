// Every GraphQL limit as a pair: what the SPA (or GraphiQL) really sends passes, an abusive request is
// refused with a 4xx GraphQL error and no data, and the message never tells where the limit lies.
import { getIntrospectionQuery } from "graphql";
import { request as httpRequest } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApiApp } from "../src/api/app.ts";
import { GRAPHQL_LIMITS, LIMIT_EXCEEDED_CODE } from "../src/api/graphql-limits.ts";
import { close, listen } from "../src/http-server.ts";
import { dataOf, errorCodes, ops, TASK_FIELDS } from "./support/task-operations.ts";
import { sendGraphQL, startTestSystem, type GraphQLResponse, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
let user: TestUser;

beforeAll(async () => {
  system = await startTestSystem();
  user = await system.signUp();
  const mine = ops(system, user);
  for (let index = 0; index < 3; index += 1) await mine.create({ title: `task ${index}` });
});
afterAll(() => system.close());

const send = (query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) =>
  system.graphql(query, { token: user.token, variables, headers });

/** Refused as abusive: HTTP 400 for every client, one error, no data, and no number in the message. */
function expectRefused(response: GraphQLResponse, message: string) {
  expect(response.status, response.text).toBe(400);
  expect(response.body.data).toBeUndefined();
  expect(response.body.errors).toEqual([{ message, extensions: { code: LIMIT_EXCEEDED_CODE } }]);
  expect(response.text).not.toMatch(/\d/);
}

function expectData(response: GraphQLResponse) {
  expect(response.status, response.text).toBe(200);
  expect(response.body.errors, response.text).toBeUndefined();
  return dataOf(response);
}

// What the SPA sends, as urql sends it (it adds __typename to every selection set).
const SPA_TASKS = `query Tasks($first: Int, $after: String, $filter: TaskFilter, $orderBy: TaskOrder) {
  tasks(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    __typename totalCount
    edges { __typename cursor node { __typename ${TASK_FIELDS} } }
    pageInfo { __typename hasNextPage endCursor }
  }
}`;
const SPA_ME = "query Me { me { __typename id name email role } }";
const SPA_WITH_FRAGMENTS = `query Screen($first: Int) { me { ...Viewer } tasks(first: $first) { ...TaskList } }
  fragment Viewer on User { id name email role }
  fragment TaskList on TaskConnection { totalCount edges { cursor node { ...TaskItem } } pageInfo { hasNextPage endCursor } }
  fragment TaskItem on Task { ${TASK_FIELDS} }`;
const LITERAL_FULL_PAGE = `tasks(first: 100) {
    __typename totalCount
    edges { __typename cursor node { __typename ${TASK_FIELDS} } }
    pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
  }`;

test("the SPA's queries and mutations pass every limit", async () => {
  expect(expectData(await send(SPA_TASKS, { first: 100, orderBy: "DUE_SOONEST", filter: { completed: false } })).tasks.totalCount).toBe(3);
  expect(expectData(await send(SPA_ME)).me.id).toBe(user.id);
  expect(expectData(await send(SPA_WITH_FRAGMENTS, { first: 20 })).tasks.edges).toHaveLength(3);
  const created = expectData(
    await send(`mutation Create($input: CreateTaskInput!) { createTask(input: $input) { __typename ${TASK_FIELDS} } }`, {
      input: { title: "limits", description: "d", dueAt: "2030-01-01T00:00:00.000Z" },
    }),
  ).createTask;
  expectData(
    await send(`mutation Update($id: ID!, $input: UpdateTaskInput!) { updateTask(id: $id, input: $input) { __typename ${TASK_FIELDS} } }`, {
      id: created.id,
      input: { completed: true },
    }),
  );
  expectData(await send("mutation Delete($id: ID!) { deleteTask(id: $id) }", { id: created.id }));
});

test("GraphiQL's introspection query works in development", async () => {
  const query = getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
  });
  const types = expectData(await send(query)).__schema.types as { name: string }[];
  expect(types.map((type) => type.name)).toContain("Task");
});

describe("tokens", () => {
  // `{ me { ... } }` is five tokens plus one per field. Repeated fields are legal and merged (spread
  // over five names, or graphql-js's own budget for comparing same-named fields would step in first).
  const names = ["id", "name", "email", "role", "__typename"];
  const document = (tokens: number) =>
    `{ me { ${Array.from({ length: tokens - 5 }, (_, index) => names[index % names.length]).join(" ")} } }`;

  test("a document of exactly as many tokens as allowed passes", async () => {
    expectData(await send(document(GRAPHQL_LIMITS.maxTokens)));
  });

  test("one token more is refused while parsing", async () => {
    expectRefused(await send(document(GRAPHQL_LIMITS.maxTokens + 1)), "The query is too long.");
  });
});

describe("depth", () => {
  test("the deepest path in the schema, reached through nested fragments, passes", async () => {
    expect(expectData(await send(SPA_WITH_FRAGMENTS, { first: 1 })).tasks.edges[0].node.title).toMatch(/^task/);
  });

  test("a type lookup exactly as deep as allowed passes", async () => {
    const atLimit = `{ __type(name: "Task") { fields { type { ofType { ofType { name } } } } } }`;
    expect(expectData(await send(atLimit)).__type.fields.length).toBeGreaterThan(0);
  });

  test("a type lookup nested ten levels deep is refused", async () => {
    const deep = `{ __type(name: "Task") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } }`;
    expectRefused(await send(deep), "The query is nested too deeply.");
  });
});

describe("aliases", () => {
  test("two task lists side by side, and as many aliases as allowed, pass", async () => {
    const data = expectData(
      await send(`{ open: tasks(filter: { completed: false }) { totalCount } done: tasks(filter: { completed: true }) { totalCount } }`),
    );
    expect(data).toEqual({ open: { totalCount: 3 }, done: { totalCount: 0 } });
    const aliases = Array.from({ length: GRAPHQL_LIMITS.maxAliases }, (_, index) => `a${index}: me { id }`).join(" ");
    expect(Object.keys(expectData(await send(`{ ${aliases} }`)))).toHaveLength(GRAPHQL_LIMITS.maxAliases);
  });

  test("one alias more is refused", async () => {
    const aliases = Array.from({ length: GRAPHQL_LIMITS.maxAliases + 1 }, (_, index) => `a${index}: me { id }`).join(" ");
    expectRefused(await send(`{ ${aliases} }`), "The query uses too many aliases.");
  });
});

describe("directives", () => {
  test("@include and @skip on the SPA's fields pass", async () => {
    const query = `query($details: Boolean!) { tasks { edges { node { id title description @include(if: $details) dueAt @skip(if: $details) } } } }`;
    expect(expectData(await send(query, { details: true })).tasks.edges[0].node).toHaveProperty("description");
  });

  test("a document stuffed with directives is refused", async () => {
    const fields = Array.from({ length: GRAPHQL_LIMITS.maxDirectives + 1 }, () => "id @skip(if: false)").join(" ");
    expectRefused(await send(`{ me { ${fields} } }`), "The query uses too many directives.");
  });
});

describe("cost", () => {
  test("a full page written as a literal, with every field and urql's __typename, passes", async () => {
    expect(expectData(await send(`{ ${LITERAL_FULL_PAGE} me { id } }`)).tasks.totalCount).toBe(3);
  });

  test("two such pages are refused before anything runs", async () => {
    expectRefused(
      await send(`{ a: ${LITERAL_FULL_PAGE} b: ${LITERAL_FULL_PAGE} }`),
      "The query is too expensive: ask for fewer fields or a smaller page.",
    );
  });
});

describe("page size", () => {
  const manyPages = (count: number) =>
    `query($first: Int) { ${Array.from({ length: count }, (_, index) => `p${index}: tasks(first: $first) { edges { node { id } } }`).join(" ")} }`;

  test("one full page through variables, or two half pages, pass", async () => {
    expectData(await send(SPA_TASKS, { first: GRAPHQL_LIMITS.maxTasksPerOperation }));
    expect(Object.keys(expectData(await send(manyPages(2), { first: GRAPHQL_LIMITS.maxTasksPerOperation / 2 })))).toHaveLength(2);
  });

  test("many pages asked for through aliases are refused, even with the page size in a variable", async () => {
    expectRefused(
      await send(manyPages(2), { first: GRAPHQL_LIMITS.maxTasksPerOperation }),
      "The query asks for too many tasks at once: ask for fewer per page.",
    );
    expectRefused(
      await send(manyPages(GRAPHQL_LIMITS.maxAliases), { first: 20 }),
      "The query asks for too many tasks at once: ask for fewer per page.",
    );
  });

  test("more than five changes in one operation are refused, and none of them is made; five pass", async () => {
    const creates = (count: number, prefix: string) =>
      `mutation { ${Array.from({ length: count }, (_, i) => `c${i}: createTask(input: { title: "${prefix}" }) { id }`).join(" ")} }`;
    const before = (await send("{ tasks { totalCount } }")).body.data?.tasks.totalCount as number;
    expectRefused(
      await send(creates(GRAPHQL_LIMITS.maxMutationFields + 1, "flood")),
      "The operation makes too many changes at once: send at most five per request.",
    );
    // The same through fragments spread on the mutation type (the same field spread twice is one change).
    const three = (name: string, keys: string[]) =>
      `fragment ${name} on Mutation { ${keys.map((key) => `${key}: createTask(input: { title: "f" }) { id }`).join(" ")} }`;
    const viaFragments = `mutation { ...first ...first ...second } ${three("first", ["a", "b", "c"])} ${three("second", ["d", "e", "f"])}`;
    expectRefused(await send(viaFragments), "The operation makes too many changes at once: send at most five per request.");
    expect((await send("{ tasks { totalCount } }")).body.data?.tasks.totalCount).toBe(before);
    expectData(await send(creates(GRAPHQL_LIMITS.maxMutationFields, "allowed")));
    expect((await send("{ tasks { totalCount } }")).body.data?.tasks.totalCount).toBe(before + GRAPHQL_LIMITS.maxMutationFields);
  });

  test("an out-of-range page size still gets the resolver's own message", async () => {
    const response = await send(SPA_TASKS, { first: 100_000 });
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.body.errors?.map((error) => error.message)).toEqual(["first must be between 1 and 100."]);
  });
});

describe("batching", () => {
  test("a single operation passes and an array of operations is refused", async () => {
    const post = (body: unknown) =>
      sendGraphQL(system.api, "http://api.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
        body: JSON.stringify(body),
      });
    expectData(await post({ query: SPA_ME }));
    const batch = await post([{ query: SPA_ME }, { query: SPA_ME }]);
    expect(batch.status).toBe(400);
    expect(batch.body.data).toBeUndefined();
    expect(batch.body.errors?.[0]?.message).toBe("Batching is not supported.");
  });
});

describe("request size", () => {
  const create = "mutation($input: CreateTaskInput!) { createTask(input: $input) { id description } }";

  function expectTooLarge(response: GraphQLResponse) {
    expect(response.status, response.text).toBe(413);
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors).toEqual([{ message: "Request body too large", extensions: { code: "REQUEST_ENTITY_TOO_LARGE" } }]);
  }

  test("the largest legitimate body passes: a full-length description of characters JSON escapes", async () => {
    const description = "\u0001".repeat(10_000);
    const body = JSON.stringify({ query: create, variables: { input: { title: "t", description } } });
    expect(body.length).toBeGreaterThan(60_000);
    const created = expectData(await send(create, { input: { title: "t", description } })).createTask;
    expect(created.description).toBe(description);
    await ops(system, user).delete(created.id);
  });

  test("a very large variables object is refused with 413", async () => {
    const input = { title: "t", description: "x".repeat(GRAPHQL_LIMITS.maxRequestBodyBytes) };
    const before = await system.db.task.count();
    expectTooLarge(await send(create, { input }));
    expect(await system.db.task.count()).toBe(before);
  });

  test("a very long query string is refused with 413", async () => {
    expectTooLarge(await send(`{ me { id } } # ${"x".repeat(GRAPHQL_LIMITS.maxRequestBodyBytes)}`));
  });

  test("a body that never ends is refused after reading little more than the limit", async () => {
    let pulled = 0;
    const chunk = new TextEncoder().encode(`{"query":"{ me { id } }","variables":{"padding":"${"x".repeat(16_000)}`);
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const response = await sendGraphQL(system.api, "http://api.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: endless,
      duplex: "half",
    } as RequestInit);
    expectTooLarge(response);
    expect(pulled).toBeLessThan(GRAPHQL_LIMITS.maxRequestBodyBytes + 4 * chunk.byteLength);
  });

  test("over HTTP, a Content-Length over the limit is answered before the body is sent", async () => {
    const server = await listen(system.api, 0, "127.0.0.1");
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const request = httpRequest({
          host: "127.0.0.1",
          port,
          path: "/graphql",
          method: "POST",
          headers: { "content-type": "application/json", "content-length": String(10 * GRAPHQL_LIMITS.maxRequestBodyBytes) },
        });
        request.on("error", reject);
        request.on("response", (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (part: string) => (text += part));
          response.on("end", () => {
            request.destroy();
            resolve({ status: response.statusCode ?? 0, text });
          });
        });
        // Only the start of the promised megabyte is ever sent: an answer proves the server did not wait for it.
        request.write('{"query":"{ me { id } }"');
      });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.text)).toEqual({
        errors: [{ message: "Request body too large", extensions: { code: "REQUEST_ENTITY_TOO_LARGE" } }],
      });
    } finally {
      await close(server);
    }
  }, 10_000);

  // Over node:http a body under a valid Content-Length is not counted again (request-body-limit.ts):
  // node's parser hands over exactly the declared bytes. These two prove what that relies on.
  test("over HTTP, bytes past the declared Content-Length never reach the parser as body", async () => {
    const server = await listen(system.api, 0, "127.0.0.1");
    try {
      const { port } = server.address() as AddressInfo;
      const body = '{"query":"{ me { id } }"}';
      const smuggled = `,"padding":"${"x".repeat(2 * GRAPHQL_LIMITS.maxRequestBodyBytes)}"}`;
      const socket = connect(port, "127.0.0.1");
      let raw = "";
      socket.setEncoding("utf8");
      socket.on("data", (part: string) => (raw += part));
      const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
      socket.on("error", () => {});
      socket.write(
        `POST /graphql HTTP/1.1\r\nHost: api.test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      await expect.poll(() => raw, { timeout: 5_000 }).toContain('{"data":{"me":null}}');
      // The declared bytes were the whole body: a valid anonymous query, answered 200.
      expect(raw).toMatch(/^HTTP\/1\.1 200 /);
      // More bytes on the same connection are read as a next request, and refused as one.
      socket.write(smuggled);
      await closed;
      expect(raw.slice(raw.indexOf('{"data":{"me":null}}'))).toMatch(/HTTP\/1\.1 400 Bad Request/);
    } finally {
      await close(server);
    }
  }, 10_000);

  test("over HTTP, a chunked body with no Content-Length is still cut off at the limit", async () => {
    const server = await listen(system.api, 0, "127.0.0.1");
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const request = httpRequest({
          host: "127.0.0.1",
          port,
          path: "/graphql",
          method: "POST",
          headers: { "content-type": "application/json" },
        });
        request.on("error", reject);
        request.on("response", (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (part: string) => (text += part));
          response.on("end", () => {
            request.destroy();
            resolve({ status: response.statusCode ?? 0, text });
          });
        });
        request.write(`{"query":"{ me { id } }","variables":{"padding":"`);
        const chunk = "x".repeat(16_000);
        for (let sent = 0; sent <= 2 * GRAPHQL_LIMITS.maxRequestBodyBytes; sent += chunk.length) request.write(chunk);
        request.end('"}}');
      });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.text)).toEqual({
        errors: [{ message: "Request body too large", extensions: { code: "REQUEST_ENTITY_TOO_LARGE" } }],
      });
    } finally {
      await close(server);
    }
  }, 10_000);

  test("a GET request passes, and one whose URL is too long is refused with 414", async () => {
    const get = (query: string) =>
      sendGraphQL(system.api, `http://api.test/graphql?query=${encodeURIComponent(query)}`, {
        headers: { accept: "application/json", authorization: `Bearer ${user.token}` },
      });
    expect(expectData(await get(SPA_ME)).me.id).toBe(user.id);
    const tooLong = await get(`{ me { id } } # ${"x".repeat(GRAPHQL_LIMITS.maxUrlLength)}`);
    expect(tooLong.status).toBe(414);
    expect(tooLong.body.data).toBeUndefined();
    expect(tooLong.body.errors).toEqual([
      { message: "The request URL is too long: send the query in a POST body.", extensions: { code: "URI_TOO_LONG" } },
    ]);
  });
});

describe("field suggestions", () => {
  // [what is misspelt, query, the name graphql-js would suggest, variables]
  const mistakes: [string, string, string, Record<string, unknown>?][] = [
    ["a field", "{ tasks { totalCont } }", "totalCount"],
    ["an argument", "{ tasks(frist: 1) { totalCount } }", "first"],
    ["a type", "query($filter: TaskFiltr) { tasks(filter: $filter) { totalCount } }", "TaskFilter"],
    ["an input field", "{ tasks(filter: { complete: true }) { totalCount } }", "completed"],
    ["an enum value", "{ tasks(orderBy: TITEL) { totalCount } }", "TITLE"],
    ["an enum value in a variable", "query($order: TaskOrder) { tasks(orderBy: $order) { totalCount } }", "TITLE", { order: "TITEL" }],
  ];

  test.each(mistakes)("in development, a misspelt %s gets a suggestion", async (_kind, query, suggestion, variables) => {
    const response = await send(query, variables);
    expect(response.body.data ?? undefined).toBeUndefined();
    expect(response.body.errors?.[0]?.message).toMatch(new RegExp(`Did you mean [^?]*"${suggestion}"`));
  });

  test.each(mistakes)("in production, a misspelt %s gets no suggestion", async (_kind, query, suggestion, variables) => {
    const production = createApiApp({ db: system.pool, config: { ...system.apiConfig, production: true } });
    const response = await system.graphql(query, { token: user.token, variables, api: production });
    expect(response.body.data ?? undefined).toBeUndefined();
    expect(response.body.errors?.length).toBeGreaterThan(0);
    expect(response.text).not.toContain("Did you mean");
    expect(response.text).not.toContain(`"${suggestion}`);
  });
});
