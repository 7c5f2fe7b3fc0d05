// Admin-only fields. The role comes from the verified token (the `admin` scope), and a recent second factor
// (`secondFactor`: step-up, INSUFFICIENT_USER_AUTHENTICATION without it) from its amr and auth_time; anonymous callers get
// UNAUTHENTICATED and signed-in non-admins FORBIDDEN, on every field here (scopes.test.ts checks each).
// Admins read account metadata and counts, never another user's tasks: bans and ended sessions are
// Better Auth's admin endpoints (auth/admin-powers.ts), called by the SPA's admin screen.
import { ADMIN_POWERS, builder } from "../builder.ts";
import { PAGE_SIZE_DEFAULT, pageSize } from "../shared/paging.ts";
import { encodeAdminUserCursor, type AdminUserRow } from "../users/admin-user-page.ts";
import { PageInfo } from "./page-info.ts";
import { parseInput } from "./parse-input.ts";
import { withStoreErrors } from "./store-errors.ts";

const AdminStats = builder.objectRef<{ users: number; tasks: number }>("AdminStats").implement({
  authScopes: ADMIN_POWERS,
  fields: (t) => ({
    users: t.exposeInt("users"),
    tasks: t.exposeInt("tasks"),
  }),
});

/** A listed user, with the page's one batched task count behind `taskCount`. */
type ListedUser = AdminUserRow & { taskCount: () => Promise<number> };

const AdminUser = builder.objectRef<ListedUser>("AdminUser").implement({
  description: "An account as the admin screen shows it: metadata and counts, never task contents.",
  authScopes: ADMIN_POWERS,
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    email: t.exposeString("email"),
    emailVerified: t.exposeBoolean("emailVerified"),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When the account signed up." }),
    banned: t.exposeBoolean("banned"),
    banReason: t.exposeString("banReason", { nullable: true }),
    lastActiveAt: t.expose("lastActiveAt", {
      type: "DateTime",
      nullable: true,
      description: "The latest activity of any of the account's sessions; null when it has none.",
    }),
    taskCount: t.int({ resolve: (user) => user.taskCount() }),
  }),
});

interface AdminUserPage {
  nodes: ListedUser[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

const AdminUserEdge = builder.objectRef<ListedUser>("AdminUserEdge").implement({
  fields: (t) => ({
    cursor: t.string({ resolve: encodeAdminUserCursor }),
    node: t.field({ type: AdminUser, resolve: (user) => user }),
  }),
});

const AdminUserConnection = builder.objectRef<AdminUserPage>("AdminUserConnection").implement({
  authScopes: ADMIN_POWERS,
  fields: (t) => ({
    edges: t.field({ type: [AdminUserEdge], resolve: (page) => page.nodes }),
    pageInfo: t.field({
      type: PageInfo,
      resolve: ({ nodes, hasNextPage, hasPreviousPage }) => ({
        hasNextPage,
        hasPreviousPage,
        startCursor: nodes[0] ? encodeAdminUserCursor(nodes[0]) : null,
        endCursor: nodes.at(-1) ? encodeAdminUserCursor(nodes.at(-1)!) : null,
      }),
    }),
  }),
});

builder.queryFields((t) => ({
  adminStats: t.withAuth(ADMIN_POWERS).field({
    type: AdminStats,
    nullable: true,
    description: "Totals across all users. Admins only.",
    resolve: async (_root, _args, context) => {
      const [users, tasks] = await Promise.all([context.users.count(), context.tasks.countAllForAdmin()]);
      return { users, tasks };
    },
  }),
  adminUsers: t.withAuth(ADMIN_POWERS).field({
    type: AdminUserConnection,
    nullable: true,
    description: "Every account, newest sign-up first (Relay connection; at most 100 per page). Admins only.",
    args: {
      first: t.arg.int({ required: false, defaultValue: PAGE_SIZE_DEFAULT }),
      after: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, context) => {
      const first = parseInput(pageSize, args.first ?? PAGE_SIZE_DEFAULT);
      const { rows, hasNextPage } = await withStoreErrors(() => context.users.pageForAdmin(first, args.after));
      // One statement for the whole page's counts, and only when a client asks for them.
      let counts: Promise<number[]> | undefined;
      const countsOfPage = () => (counts ??= context.tasks.countsForAdmin(rows.map((row) => row.id)));
      const nodes = rows.map((row, index) => ({ ...row, taskCount: async () => (await countsOfPage())[index] ?? 0 }));
      return { nodes, hasNextPage, hasPreviousPage: Boolean(args.after) };
    },
  }),
}));
