// Task type and operations. Every resolver reaches Task data only through context.tasks (the
// owner-scoped store) with the verified viewer's id; the owner is never an argument.
import { taskNotFound, unauthenticated } from "../graphql/errors.ts";
import { builder } from "../builder.ts";
import { PAGE_SIZE_DEFAULT, pageSize } from "../shared/paging.ts";
import { createTaskInput, searchText, updateTaskInput } from "../tasks/task-input.ts";
import { taskOrders } from "../tasks/task-order.ts";
import { TOTAL_COUNT_MAX } from "../tasks/task-sql.ts";
import { cursorOf, type TaskPage } from "../tasks/task-store.ts";
import { PageInfo } from "./page-info.ts";
import { parseInput } from "./parse-input.ts";
import { withStoreErrors } from "./store-errors.ts";
import { User } from "./user.ts";

export const Task = builder.prismaObject("Task", {
  authScopes: { loggedIn: true },
  fields: (t) => ({
    id: t.exposeID("id"),
    title: t.exposeString("title"),
    description: t.exposeString("description"),
    completed: t.exposeBoolean("completed"),
    dueAt: t.expose("dueAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    owner: t.field({
      type: User,
      description: "Who the task belongs to: always you.",
      // Through the user store, not a Task relation (which would read the Task table outside its door),
      // and once per request: one statement per page, not per task.
      resolve: async (task, _args, context) => {
        const owner = await context.userById(task.userId);
        if (!owner) throw unauthenticated();
        return owner;
      },
    }),
  }),
});

const TaskOrder = builder.enumType("TaskOrder", {
  values: taskOrders,
  description: "NEWEST_FIRST by creation time; DUE_SOONEST puts tasks without a due date last.",
});

const TaskFilter = builder.inputType("TaskFilter", {
  fields: (t) => ({
    completed: t.boolean({ required: false, description: "Only completed (true) or only open (false) tasks." }),
    search: t.string({ required: false, description: "Case-insensitive text in the title or description." }),
  }),
});

const CreateTaskInput = builder.inputType("CreateTaskInput", {
  fields: (t) => ({
    title: t.string({ required: true, description: "1 to 200 characters after trimming." }),
    description: t.string({ required: false, description: "At most 10,000 characters." }),
    completed: t.boolean({ required: false }),
    dueAt: t.field({ type: "DateTime", required: false }),
  }),
});

const UpdateTaskInput = builder.inputType("UpdateTaskInput", {
  description: "Fields left out stay as they are. A null description or dueAt clears it.",
  fields: (t) => ({
    title: t.string({ required: false }),
    description: t.string({ required: false }),
    completed: t.boolean({ required: false }),
    dueAt: t.field({ type: "DateTime", required: false }),
  }),
});

const TaskEdge = builder.objectRef<TaskPage["edges"][number]>("TaskEdge").implement({
  fields: (t) => ({
    cursor: t.string({ resolve: cursorOf }),
    node: t.field({ type: Task, resolve: (edge) => edge.node }),
  }),
});

const TaskConnection = builder.objectRef<TaskPage>("TaskConnection").implement({
  authScopes: { loggedIn: true },
  fields: (t) => ({
    edges: t.field({ type: [TaskEdge], resolve: (page) => page.edges }),
    pageInfo: t.field({ type: PageInfo, resolve: (page) => page.pageInfo }),
    totalCount: t.int({
      description: `How many tasks match, counted up to ${TOTAL_COUNT_MAX.toLocaleString("en-US")}: ${TOTAL_COUNT_MAX.toLocaleString("en-US")} means that many or more.`,
      resolve: (page) => page.totalCount(),
    }),
  }),
});

builder.queryFields((t) => ({
  tasks: t.withAuth({ loggedIn: true }).field({
    type: TaskConnection,
    description: "Your tasks, a page at a time (Relay connection; at most 100 per page).",
    args: {
      first: t.arg.int({ required: false, defaultValue: PAGE_SIZE_DEFAULT }),
      after: t.arg.string({ required: false }),
      filter: t.arg({ type: TaskFilter, required: false }),
      orderBy: t.arg({ type: TaskOrder, required: false, defaultValue: "NEWEST_FIRST" }),
    },
    resolve: async (_root, args, context) => {
      const first = parseInput(pageSize, args.first ?? PAGE_SIZE_DEFAULT);
      const search = args.filter?.search == null ? null : parseInput(searchText, args.filter.search);
      return withStoreErrors(() =>
        context.tasks.page(context.viewer.userId, {
          first,
          after: args.after,
          filter: { completed: args.filter?.completed, search },
          order: args.orderBy ?? "NEWEST_FIRST",
        }),
      );
    },
  }),
  task: t.withAuth({ loggedIn: true }).field({
    type: Task,
    nullable: true,
    description: "One of your tasks; null when it does not exist or is not yours.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => context.tasks.find(context.viewer.userId, String(args.id)),
  }),
}));

builder.mutationFields((t) => ({
  createTask: t.withAuth({ loggedIn: true }).field({
    type: Task,
    description: "Refused with QUOTA_EXCEEDED when you already have as many tasks, or as much text, as one account may keep.",
    args: { input: t.arg({ type: CreateTaskInput, required: true }) },
    resolve: async (_root, args, context) => {
      const input = parseInput(createTaskInput, args.input);
      return withStoreErrors(() => context.tasks.create(context.viewer.userId, input));
    },
  }),
  updateTask: t.withAuth({ loggedIn: true }).field({
    type: Task,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateTaskInput, required: true }) },
    resolve: async (_root, args, context) => {
      const input = parseInput(updateTaskInput, args.input);
      const task = await withStoreErrors(() => context.tasks.update(context.viewer.userId, String(args.id), input));
      if (!task) throw taskNotFound();
      return task;
    },
  }),
  deleteTask: t.withAuth({ loggedIn: true }).field({
    type: "ID",
    description: "Returns the id of the deleted task.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const id = String(args.id);
      if (!(await context.tasks.delete(context.viewer.userId, id))) throw taskNotFound();
      return id;
    },
  }),
}));
