// The one Pothos builder. Scope-auth comes first so every other plugin's fields are already guarded.
import SchemaBuilder from "@pothos/core";
import PrismaPlugin from "@pothos/plugin-prisma";
import ScopeAuthPlugin, { type AuthFailure, AuthScopeFailureType } from "@pothos/plugin-scope-auth";
import { DateTimeResolver } from "graphql-scalars";
import type { Context } from "./graphql/context.ts";
import { forbidden, insufficientUserAuthentication, unauthenticated } from "./graphql/errors.ts";
import type { Viewer } from "./token-verification/token-verifier.ts";
import type PrismaTypes from "./generated/pothos-prisma-types.ts";
import { getDatamodel } from "./generated/pothos-prisma-types.ts";

type SignedInContext = Context & { viewer: Viewer };

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { loggedIn: boolean; admin: boolean; secondFactor: boolean };
  AuthContexts: { loggedIn: SignedInContext; admin: SignedInContext; secondFactor: SignedInContext };
  Scalars: { DateTime: { Input: Date; Output: Date } };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({
      loggedIn: context.viewer !== null,
      admin: context.viewer?.role === "admin",
      // Step-up (RFC 9470): a second factor verified in this session within API_STEP_UP_MAX_AGE_S.
      secondFactor: context.secondFactor.recent,
    }),
    // Pothos' own ForbiddenError is not a GraphQLError, so Yoga would mask it as "Unexpected error.".
    // Only a caller who has every other scope the field asks for is asked to step up: a non-admin is
    // told FORBIDDEN, never that a second factor would help.
    unauthorizedError: (_parent, context, _info, result) => {
      if (!context.viewer) return unauthenticated();
      const failed = failedScopes(result.failure);
      if (failed.length > 0 && failed.every((scope) => scope === "secondFactor"))
        return insufficientUserAuthentication(context.secondFactor.maxAgeSeconds);
      return forbidden();
    },
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

/** What admin powers ask for: the role, and a recent second factor (step-up). Every admin field uses it. */
export const ADMIN_POWERS = { $all: { admin: true, secondFactor: true } } as const;

/** The scopes that refused a field, however Pothos nested them ($all, $any). */
function failedScopes(failure: AuthFailure): string[] {
  switch (failure.kind) {
    case AuthScopeFailureType.AuthScope:
      return [failure.scope];
    case AuthScopeFailureType.AllAuthScopes:
    case AuthScopeFailureType.AnyAuthScopes:
      return failure.failures.flatMap(failedScopes);
    default:
      return ["unknown"];
  }
}

builder.addScalarType("DateTime", DateTimeResolver);
builder.queryType({});
builder.mutationType({});
