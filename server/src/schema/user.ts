import { toRole } from "../shared/role.ts";
import { builder } from "../builder.ts";

export const User = builder.prismaObject("User", {
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    email: t.exposeString("email"),
    role: t.string({ resolve: (user) => toRole(user.role) }),
  }),
});

builder.queryField("me", (t) =>
  t.field({
    type: User,
    nullable: true,
    description: "The signed-in user; null when the request carries no token.",
    resolve: (_root, _args, context) => (context.viewer ? context.userById(context.viewer.userId) : null),
  }),
);
