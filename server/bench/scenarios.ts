// The three scenarios, written once per dialect: the HTTP request each server gets, and how to read its
// answer back for the correctness gate.
//   read   my 20 newest tasks, id and title (the scaling table varies the page size: 1, 20, 100)
//   deep   the same with each task's owner's name (shows how relations are loaded: N+1 or not)
//   write  create a task, then complete it (two requests per cycle)
import type { BenchUser } from "./bench-users.ts";
import type { Dialect } from "./servers/catalogue.ts";

export const scenarioNames = ["read", "deep", "write"] as const;
export type ScenarioName = (typeof scenarioNames)[number];

export interface HttpRequest {
  method: "POST";
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface TaskRow {
  id: string;
  title: string;
  ownerName?: string;
}

export interface DialectRequests {
  read(user: BenchUser, pageSize: number): HttpRequest;
  deep(user: BenchUser): HttpRequest;
  create(user: BenchUser, title: string): HttpRequest;
  complete(user: BenchUser, taskId: string): HttpRequest;
  /** Each reader throws when the answer is not the expected shape. */
  readTasks(body: unknown): TaskRow[];
  readDeepTasks(body: unknown): TaskRow[];
  readCreatedId(body: unknown): string;
  readCompleted(body: unknown): { id: string; completed: boolean };
}

/** The project's contract names (README): tasks, createTask, updateTask. */
export const PROJECT_OWNER_FIELD = "owner";

function graphql(path: string, user: BenchUser, query: string, variables?: Record<string, unknown>): HttpRequest {
  return {
    method: "POST",
    path,
    headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
    body: JSON.stringify(variables ? { query, variables } : { query }),
  };
}

function json(path: string, user: BenchUser, body: Record<string, unknown> = {}): HttpRequest {
  return {
    method: "POST",
    path,
    headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
    body: JSON.stringify(body),
  };
}

/** Walks a JSON answer; any missing step is a wrong answer. */
function at(body: unknown, ...path: string[]): unknown {
  let value = body;
  for (const key of path) {
    if (typeof value !== "object" || value === null || !(key in value)) {
      throw new Error(`answer has no ${path.join(".")}: ${JSON.stringify(body).slice(0, 300)}`);
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function list(body: unknown, ...path: string[]): Record<string, unknown>[] {
  const value = at(body, ...path);
  if (!Array.isArray(value)) throw new Error(`${path.join(".")} is not a list`);
  return value as Record<string, unknown>[];
}

const projectRequests: DialectRequests = {
  read: (user, pageSize) => graphql("/graphql", user, `query MyNewestTasks { tasks(first: ${pageSize}) { edges { node { id title } } } }`),
  deep: (user) =>
    graphql(
      "/graphql",
      user,
      `query MyNewestTasksWithOwner { tasks(first: 20) { edges { node { id title ${PROJECT_OWNER_FIELD} { name } } } } }`,
    ),
  create: (user, title) =>
    graphql("/graphql", user, "mutation CreateTask($title: String!) { createTask(input: { title: $title }) { id } }", { title }),
  complete: (user, taskId) =>
    graphql("/graphql", user, "mutation CompleteTask($id: ID!) { updateTask(id: $id, input: { completed: true }) { id completed } }", {
      id: taskId,
    }),
  readTasks: (body) => list(body, "data", "tasks", "edges").map((edge) => at(edge, "node") as TaskRow),
  readDeepTasks: (body) =>
    list(body, "data", "tasks", "edges").map((edge) => {
      const node = at(edge, "node") as Record<string, unknown>;
      return { id: String(node.id), title: String(node.title), ownerName: String(at(node, PROJECT_OWNER_FIELD, "name")) };
    }),
  readCreatedId: (body) => String(at(body, "data", "createTask", "id")),
  readCompleted: (body) => at(body, "data", "updateTask") as { id: string; completed: boolean },
};

const floorRequests: DialectRequests = {
  read: (user, pageSize) => json("/tasks/newest", user, { first: pageSize }),
  deep: (user) => json("/tasks/newest-with-owner", user),
  create: (user, title) => json("/tasks/create", user, { title }),
  complete: (user, taskId) => json("/tasks/complete", user, { id: taskId }),
  readTasks: (body) => list(body, "data", "tasks") as unknown as TaskRow[],
  readDeepTasks: (body) => list(body, "data", "tasks") as unknown as TaskRow[],
  readCreatedId: (body) => String(at(body, "data", "task", "id")),
  readCompleted: (body) => at(body, "data", "task") as { id: string; completed: boolean },
};

/**
 * PostGraphile names the table's operations itself. The primary key column is `id` in v4 and `rowId` in
 * v5 (Amber), where `id` is the global Node id; the lookup-by-key mutation follows the same name.
 */
function postgraphileRequests(key: "id" | "rowId"): DialectRequests {
  const update = key === "id" ? "updateTaskById" : "updateTaskByRowId";
  return {
    read: (user, pageSize) =>
      graphql(
        "/graphql",
        user,
        `query MyNewestTasks { allTasks(first: ${pageSize}, orderBy: CREATED_AT_DESC) { edges { node { ${key} title } } } }`,
      ),
    deep: (user) =>
      graphql(
        "/graphql",
        user,
        `query MyNewestTasksWithOwner { allTasks(first: 20, orderBy: CREATED_AT_DESC) { edges { node { ${key} title userByUserId { name } } } } }`,
      ),
    create: (user, title) =>
      graphql(
        "/graphql",
        user,
        `mutation CreateTask($title: String!) { createTask(input: { task: { title: $title } }) { task { ${key} } } }`,
        { title },
      ),
    complete: (user, taskId) =>
      graphql(
        "/graphql",
        user,
        `mutation CompleteTask($id: String!) { ${update}(input: { ${key}: $id, taskPatch: { completed: true } }) { task { ${key} completed } } }`,
        { id: taskId },
      ),
    readTasks: (body) =>
      list(body, "data", "allTasks", "edges").map((edge) => {
        const node = at(edge, "node") as Record<string, unknown>;
        return { id: String(node[key]), title: String(node.title) };
      }),
    readDeepTasks: (body) =>
      list(body, "data", "allTasks", "edges").map((edge) => {
        const node = at(edge, "node") as Record<string, unknown>;
        return { id: String(node[key]), title: String(node.title), ownerName: String(at(node, "userByUserId", "name")) };
      }),
    readCreatedId: (body) => String(at(body, "data", "createTask", "task", key)),
    readCompleted: (body) => {
      const task = at(body, "data", update, "task") as Record<string, unknown>;
      return { id: String(task[key]), completed: task.completed === true };
    },
  };
}

export const dialects: Record<Dialect, DialectRequests> = {
  project: projectRequests,
  floor: floorRequests,
  "postgraphile-v5": postgraphileRequests("rowId"),
  "postgraphile-v4": postgraphileRequests("id"),
};

/** The floor's token half answers who the user is, whatever it is asked. */
export function readViewerId(body: unknown): string {
  return String(at(body, "data", "viewer", "id"));
}
