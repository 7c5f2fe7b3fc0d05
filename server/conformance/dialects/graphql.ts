// The contract's GraphQL operations (server/CONTRACT.md, the root README's GraphQL contract), POST /graphql.
import { type Answer, type Authorization, credentialHeaders, type Dialect, type Outcome, type Task } from "../dialect.ts";
import { send } from "../http.ts";

const TASK_FIELDS = "id title description completed dueAt createdAt updatedAt";
const PAGE_SIZE = 100;
/** A runaway listing is a failure, not a hang: the kit's users hold a few tasks. */
const MAX_PAGES = 50;

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message?: string; extensions?: { code?: string } }[];
}

export function graphqlDialect(apiUrl: string): Dialect {
  const endpoint = new URL("/graphql", apiUrl).toString();

  async function operation<T>(
    authorization: Authorization,
    query: string,
    variables: Record<string, unknown>,
    field: string,
    read: (value: unknown) => T = (value) => value as T,
    url = endpoint,
  ): Promise<Answer<T>> {
    const headers = new Headers({ "content-type": "application/json", accept: "application/json" });
    for (const [name, value] of await credentialHeaders(authorization, "POST", url)) headers.append(name, value);
    const answer = await send(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
    const body = (answer.json ?? {}) as GraphQLBody;
    const code = body.errors?.[0]?.extensions?.code ?? body.errors?.[0]?.message;
    const base = { status: answer.status, challenge: answer.headers.get("www-authenticate"), text: answer.text };
    let outcome: Outcome;
    if (answer.status !== 200 || typeof answer.json !== "object" || answer.json === null) outcome = "refused";
    else if (body.errors && body.errors.length > 0) outcome = code === "NOT_FOUND" ? "missing" : "refused";
    else if (body.data?.[field] === null || body.data?.[field] === undefined) outcome = "missing";
    else outcome = "data";
    if (outcome !== "data") return { ...base, outcome, ...(code ? { code } : {}) };
    return { ...base, outcome, data: read(body.data?.[field]) };
  }

  return {
    name: "graphql",
    whoAmI: (authorization) => operation(authorization, "query { me { id role } }", {}, "me"),
    whoAmIWithTokenInUrl: (token) =>
      operation(null, "query { me { id role } }", {}, "me", undefined, `${endpoint}?access_token=${encodeURIComponent(token)}`),
    async list(authorization) {
      const tasks: Task[] = [];
      let after: string | null = null;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        type Connection = { edges: { node: Task }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
        const answer: Answer<Connection> = await operation<Connection>(
          authorization,
          `query ($first: Int, $after: String) { tasks(first: $first, after: $after) { edges { node { ${TASK_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
          { first: PAGE_SIZE, after },
          "tasks",
        );
        if (answer.outcome !== "data" || !answer.data) return { ...answer, data: undefined } as Answer<Task[]>;
        tasks.push(...answer.data.edges.map((edge) => edge.node));
        if (!answer.data.pageInfo.hasNextPage) return { ...answer, data: tasks };
        after = answer.data.pageInfo.endCursor;
      }
      return { outcome: "refused", status: 200, challenge: null, code: `more than ${MAX_PAGES} pages`, text: "" };
    },
    get: (authorization, id) => operation(authorization, `query ($id: ID!) { task(id: $id) { ${TASK_FIELDS} } }`, { id }, "task"),
    create: (authorization, input) =>
      operation(
        authorization,
        `mutation ($input: CreateTaskInput!) { createTask(input: $input) { ${TASK_FIELDS} } }`,
        { input },
        "createTask",
      ),
    update: (authorization, id, input) =>
      operation(
        authorization,
        `mutation ($id: ID!, $input: UpdateTaskInput!) { updateTask(id: $id, input: $input) { ${TASK_FIELDS} } }`,
        { id, input },
        "updateTask",
      ),
    delete: (authorization, id) =>
      operation(authorization, "mutation ($id: ID!) { deleteTask(id: $id) }", { id }, "deleteTask", () => null),
  };
}
