// The one Pothos builder. Scope-auth comes first so every other plugin's fields are already guarded.
import SchemaBuilder from "@pothos/core";
import PrismaPlugin from "@pothos/plugin-prisma";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { DateTimeResolver } from "graphql-scalars";
import type { Context } from "./graphql/context.ts";
import { forbidden, unauthenticated } from "./graphql/errors.ts";
import type { Viewer } from "./token-verification/token-verifier.ts";
import type PrismaTypes from "./generated/pothos-prisma-types.ts";
import { getDatamodel } from "./generated/pothos-prisma-types.ts";

type SignedInContext = Context & { viewer: Viewer };

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { loggedIn: boolean; admin: boolean };
  AuthContexts: { loggedIn: SignedInContext; admin: SignedInContext };
  Scalars: { DateTime: { Input: Date; Output: Date } };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({
      loggedIn: context.viewer !== null,
      admin: context.viewer?.role === "admin",
    }),
    // Pothos' own ForbiddenError is not a GraphQLError, so Yoga would mask it as "Unexpected error.".
    unauthorizedError: (_parent, context) => (context.viewer ? forbidden() : unauthenticated()),
    authorizeOnSubscribe: true,
  },
  // plugin-prisma's job here: prismaObject types (Task, User) whose exposed fields are checked against
  // the Prisma models at compile time. The request path's rows come from plain SQL (tasks/, users/), and so
  // does the admin's user list (prismaConnection would need the Relay plugin and its Node interface), so no
  // field loads through Prisma and the API holds no Prisma Client (it would cost ~37 MB of RSS per instance;
  // README "One data stack"). The plugin asks for a client only to load a relation or a selection a parent
  // lacks; no field here does, and one that ever did would fail loudly rather than open a second way to
  // the data.
  prisma: {
    client: () => {
      throw new Error("plugin-prisma asked for a Prisma Client: the API loads no field through Prisma (builder.ts)");
    },
    dmmf: getDatamodel(),
  },
});

builder.addScalarType("DateTime", DateTimeResolver);
builder.queryType({});
builder.mutationType({});
