// yoga-floor: what graphql-yoga itself costs on this path, without the project's walls. The same GraphQL
// answers as the project's API for the benchmark's operations (tasks, createTask, updateTask, a task's owner),
// from a bare Yoga server with a schema written in SDL: jose in the context (the same checks, jose-verifier.ts),
// and the floor's prepared statements on pg. No row-level security, no limits, no scopes, no revocation, no
// rate limits, no masking plugin: the project's row over this one is what its walls cost over its framework.
import { createServer } from "node:http";
import { createSchema, createYoga } from "graphql-yoga";
import pg from "pg";
import { listenOnFreePort, serve } from "./child-runtime.ts";
import { createJoseVerifier } from "./jose-verifier.ts";

const NEWEST = {
  name: "yoga-floor-newest-tasks",
  text: `SELECT id, title, "userId" FROM task WHERE "userId" = $1 ORDER BY "createdAt" DESC LIMIT $2`,
};
const OWNER = { name: "yoga-floor-owner", text: `SELECT name FROM "user" WHERE id = $1` };
const CREATE = {
  name: "yoga-floor-create-task",
  text: `INSERT INTO task (id, title, "userId", "updatedAt") VALUES (gen_random_uuid()::text, $2, $1, now()) RETURNING id, title, completed`,
};
const COMPLETE = {
  name: "yoga-floor-complete-task",
  text: `UPDATE task SET completed = $3, "updatedAt" = now() WHERE id = $2 AND "userId" = $1 RETURNING id, title, completed`,
};

const typeDefs = /* GraphQL */ `
  type User { name: String! }
  type Task { id: ID! title: String! completed: Boolean! owner: User! }
  type TaskEdge { node: Task! }
  type TaskConnection { edges: [TaskEdge!]! }
  input CreateTaskInput { title: String! }
  input UpdateTaskInput { completed: Boolean }
  type Query { tasks(first: Int = 20): TaskConnection! }
  type Mutation {
    createTask(input: CreateTaskInput!): Task!
    updateTask(id: ID!, input: UpdateTaskInput!): Task!
  }
`;

interface Context {
  userId: string;
  pool: pg.Pool;
}

serve(async (settings) => {
  const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: settings.poolSize });
  const verify = createJoseVerifier(settings.keys);
  const schema = createSchema<Context>({
    typeDefs,
    resolvers: {
      Query: {
        tasks: async (_root: unknown, args: { first: number }, { userId, pool: db }: Context) => ({
          edges: (await db.query({ ...NEWEST, values: [userId, Math.min(Math.max(args.first, 1), 100)] })).rows.map((node) => ({ node })),
        }),
      },
      Mutation: {
        createTask: async (_root: unknown, args: { input: { title: string } }, { userId, pool: db }: Context) =>
          (await db.query({ ...CREATE, values: [userId, args.input.title] })).rows[0],
        updateTask: async (_root: unknown, args: { id: string; input: { completed?: boolean } }, { userId, pool: db }: Context) => {
          const row = (await db.query({ ...COMPLETE, values: [userId, args.id, args.input.completed ?? false] })).rows[0];
          if (!row) throw new Error("Task not found.");
          return row;
        },
      },
      Task: {
        owner: async (task: { userId?: string }, _args: unknown, { userId, pool: db }: Context) =>
          (await db.query({ ...OWNER, values: [task.userId ?? userId] })).rows[0],
      },
    },
  });
  const yoga = createYoga<object, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    graphiql: false,
    context: async ({ request }) => ({ userId: await verify(request.headers.get("authorization") ?? undefined), pool }),
  });
  return listenOnFreePort(createServer(yoga), () => pool.end());
});
