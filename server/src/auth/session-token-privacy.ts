// Session tokens stay on the server. The token is the session's credential (the session cookie is it,
// signed with BETTER_AUTH_SECRET) and the browser holds it only as an httpOnly cookie, out of any
// script's reach; Better Auth also hands it out in JSON: every session's in list-sessions, the current
// one's in get-session, the new one's after sign-in or a password change. A script (an injected one, or
// a browser extension) could collect them all, and with Better Auth's bearer plugin, which a copy of this
// project might add, each would be a working credential. Here they are taken out of those answers.
//
// "Devices and sessions" ends one session through /revoke-session, whose body names the session by its
// `token`. The page sends the session's id there instead; this maps an id of one of the signed-in user's
// own sessions back to its token. Better Auth runs before hooks on the raw body and validates the body
// the hook returns (api/dispatch.mjs: hooks, then the endpoint, which parses its body schema), and it
// still checks that the token's session is the user's. Anything else is passed on unchanged, so a script
// that holds a real token (from the database) can still use it.
import type { BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware, getSessionFromCtx } from "better-auth/api";

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/** Answers that carry a session token, and how to take it out. */
const STRIP: Record<string, (answer: unknown) => unknown> = {
  "/list-sessions": (answer) => (Array.isArray(answer) ? answer.map(withoutToken) : answer),
  "/get-session": sessionWithoutToken,
  // A passkey sign-in answers the new session whole (passkeys.ts).
  "/passkey/verify-authentication": sessionWithoutToken,
  // The caller's own new session: the Set-Cookie header carries it, the body need not.
  "/sign-in/email": tokenNulled,
  "/change-password": tokenNulled,
  // The second step of a sign-in with two-step verification creates the session (second-factor.ts).
  "/two-factor/verify-totp": tokenNulled,
  "/two-factor/verify-backup-code": tokenNulled,
};

export function sessionTokenPrivacy(): BetterAuthPlugin {
  return {
    id: "session-token-privacy",
    hooks: {
      before: [{ matcher: (context) => context.path === "/revoke-session", handler: createAuthMiddleware(sessionIdToToken) }],
      after: [{ matcher: (context) => Object.hasOwn(STRIP, context.path ?? ""), handler: createAuthMiddleware(stripTokens) }],
    },
  };
}

async function sessionIdToToken(context: HookContext) {
  const named = (context.body as { token?: unknown } | undefined)?.token;
  if (typeof named !== "string") return;
  const current = await getSessionFromCtx(context);
  if (!current) return; // Better Auth answers 401 itself
  const sessions = await context.context.internalAdapter.listSessions(current.user.id);
  const session = sessions.find((candidate) => candidate.id === named);
  if (session) return { context: { body: { ...(context.body as object), token: session.token } } };
}

async function stripTokens(context: HookContext) {
  const returned: unknown = context.context.returned;
  // Errors and answers that are already Responses (redirects) carry no session JSON.
  if (returned === null || returned === undefined || returned instanceof Response || returned instanceof Error) return;
  const strip = STRIP[context.path ?? ""];
  // context.json takes arrays too (list-sessions' answer is one, and the admin plugin's own hook does this).
  if (strip) return context.json(strip(returned) as Record<string, unknown>);
}

/** An answer naming the caller's own new session: its token is null (the Set-Cookie header carries it). */
function tokenNulled(answer: unknown): unknown {
  return isObject(answer) && "token" in answer ? { ...answer, token: null } : answer;
}

function sessionWithoutToken(answer: unknown): unknown {
  return isObject(answer) && isObject(answer.session) ? { ...answer, session: withoutToken(answer.session) } : answer;
}

function withoutToken(session: unknown): unknown {
  if (!isObject(session)) return session;
  const { token: _token, ...rest } = session;
  return rest;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
