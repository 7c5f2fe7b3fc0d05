// The admin powers this project grants, through Better Auth's admin endpoints: ban (with a reason),
// unban, end every session of a user. Banning also ends the user's sessions, and with them their API
// tokens at every API instance (the revocation feed). The auth service refuses an admin banning themself.
import type { AuthClient } from "../auth/auth-client.ts";
import { type AuthFailure, callAuth } from "../auth/auth-errors.ts";

/** Null when it worked; otherwise what to tell the admin. */
async function run(call: () => Promise<{ data?: unknown; error: AuthFailure | null }>): Promise<string | null> {
  const { failure, problem } = await callAuth(call);
  if (failure?.status === 403) return "Only admins can do this. If your admin role was just granted, sign out and in again.";
  return problem;
}

export const banUser = (authClient: AuthClient, userId: string, reason: string) =>
  run(() => authClient.admin.banUser({ userId, banReason: reason }));

export const unbanUser = (authClient: AuthClient, userId: string) => run(() => authClient.admin.unbanUser({ userId }));

export const endUserSessions = (authClient: AuthClient, userId: string) => run(() => authClient.admin.revokeUserSessions({ userId }));
