// The GraphQL operations the tests send, as a client would, with small typed wrappers.
import type { GraphQLResponse, TestSystem, TestUser } from "./test-system.ts";

export const TASK_FIELDS = "id title description completed dueAt createdAt updatedAt";

export interface TaskView {
  id: string;
  title: string;
  description: string;
  completed: boolean;
  dueAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface TaskListView {
  totalCount: number;
  edges: { cursor: string; node: TaskView }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export function ops(system: TestSystem, user: Pick<TestUser, "token">) {
  const send = (query: string, variables?: Record<string, unknown>) => system.graphql(query, { token: user.token, variables });
  return {
    send,
    async create(input: Record<string, unknown>): Promise<TaskView> {
      const response = await send(`mutation($input: CreateTaskInput!) { createTask(input: $input) { ${TASK_FIELDS} } }`, { input });
      return dataOf(response).createTask as TaskView;
    },
    update(id: string, input: Record<string, unknown>): Promise<GraphQLResponse> {
      return send(`mutation($id: ID!, $input: UpdateTaskInput!) { updateTask(id: $id, input: $input) { ${TASK_FIELDS} } }`, { id, input });
    },
    delete(id: string): Promise<GraphQLResponse> {
      return send(`mutation($id: ID!) { deleteTask(id: $id) }`, { id });
    },
    get(id: string): Promise<GraphQLResponse> {
      return send(`query($id: ID!) { task(id: $id) { ${TASK_FIELDS} } }`, { id });
    },
    async list(args: Record<string, unknown> = {}): Promise<TaskListView> {
      const response = await send(
        `query($first: Int, $after: String, $filter: TaskFilter, $orderBy: TaskOrder) {
          tasks(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
            totalCount
            edges { cursor node { ${TASK_FIELDS} } }
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          }
        }`,
        args,
      );
      return dataOf(response).tasks as TaskListView;
    },
    /** Every task of this user, following cursors page by page. */
    async listAll(pageSize = 100, orderBy?: string): Promise<TaskView[]> {
      const all: TaskView[] = [];
      let after: string | null = null;
      for (;;) {
        const page: TaskListView = await this.list({ first: pageSize, after, orderBy });
        all.push(...page.edges.map((edge) => edge.node));
        if (!page.pageInfo.hasNextPage) return all;
        after = page.pageInfo.endCursor;
      }
    },
  };
}

export function dataOf(response: GraphQLResponse): Record<string, any> {
  if (response.status !== 200 || response.body.errors || !response.body.data) {
    throw new Error(`expected data, got HTTP ${response.status}: ${response.text}`);
  }
  return response.body.data;
}

export function errorCodes(response: GraphQLResponse): unknown[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.code);
}
