// Ending the account's other sessions after a change to how it signs in (turning two-step verification off,
// new backup codes, a passkey removed, a confirmed new email): whoever was signed in elsewhere, perhaps with
// what was just taken away, signs in again. Deleting the session rows is what ends their tokens too: the
// rows' delete trigger writes the revocation events every API instance follows (revocation-feed.ts).
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/** Ends every session of `userId` but `keptSessionId`. */
export async function endOtherSessions(ctx: HookContext, userId: string, keptSessionId: string): Promise<void> {
  const { internalAdapter } = ctx.context;
  const others = (await internalAdapter.listSessions(userId)).filter((session) => session.id !== keptSessionId);
  if (others.length > 0) await internalAdapter.deleteSessions(others.map((session) => session.token));
}

/**
 * A plugin whose after hook ends the signed-in user's other sessions once an endpoint among `paths` succeeded.
 * The session kept is the request's, or the one the endpoint made in its place.
 */
export function endOtherSessionsAfter(id: string, paths: ReadonlySet<string>): BetterAuthPlugin {
  return {
    id,
    hooks: {
      after: [
        {
          matcher: (context) => paths.has(context.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            if (ctx.context.returned instanceof APIError) return;
            const current = ctx.context.newSession?.session ?? ctx.context.session?.session;
            const userId = ctx.context.newSession?.user.id ?? ctx.context.session?.user.id;
            if (current && userId) await endOtherSessions(ctx, userId, current.id);
          }),
        },
      ],
    },
  };
}
