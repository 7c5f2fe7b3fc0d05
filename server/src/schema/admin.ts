// One admin-only field, to show role-based scopes: the role comes from the verified token.
import { builder } from "../builder.ts";

const AdminStats = builder.objectRef<{ users: number; tasks: number }>("AdminStats").implement({
  fields: (t) => ({
    users: t.exposeInt("users"),
    tasks: t.exposeInt("tasks"),
  }),
});

builder.queryField("adminStats", (t) =>
  t.withAuth({ admin: true }).field({
    type: AdminStats,
    nullable: true,
    description: "Totals across all users. Admins only.",
    resolve: async (_root, _args, context) => {
      const [users, tasks] = await Promise.all([context.users.count(), context.tasks.countAllForAdmin()]);
      return { users, tasks };
    },
  }),
);
