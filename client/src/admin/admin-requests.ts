// The admin powers this project grants, through Better Auth's admin endpoints: ban (with a reason),
// unban, end every session of a user. Banning also ends the user's sessions, and with them their API
// tokens at every API instance (the revocation feed). The auth service refuses an admin banning themself,
// and an admin whose second factor is not recent: then the step-up dialog asks for a code and the call is
// made once more (auth/step-up.ts), with what the admin typed.
import type { AuthClient } from "../auth/auth-client.ts";
import { type AuthFailure, callAuth } from "../auth/auth-errors.ts";
import { STEP_UP_CANCELLED, type StepUp, stepUpChallengeInAuthFailure, withStepUp } from "../auth/step-up.ts";

/** Null when it worked; otherwise what to tell the admin. */
async function run(
  stepUp: Pick<StepUp, "request">,
  call: () => Promise<{ data?: unknown; error: AuthFailure | null }>,
): Promise<string | null> {
  const answer = await withStepUp(
    stepUp,
    () => callAuth(call),
    ({ failure }) => stepUpChallengeInAuthFailure(failure),
  );
  if ("cancelled" in answer) return STEP_UP_CANCELLED;
  const { failure, problem } = answer.outcome;
  if (failure?.status === 403 && !stepUpChallengeInAuthFailure(failure)) {
    return "Only admins can do this. If your admin role was just granted, sign out and in again.";
  }
  return problem;
}

export interface AdminCaller {
  authClient: AuthClient;
  stepUp: Pick<StepUp, "request">;
}

export const banUser = ({ authClient, stepUp }: AdminCaller, userId: string, reason: string) =>
  run(stepUp, () => authClient.admin.banUser({ userId, banReason: reason }));

export const unbanUser = ({ authClient, stepUp }: AdminCaller, userId: string) => run(stepUp, () => authClient.admin.unbanUser({ userId }));

export const endUserSessions = ({ authClient, stepUp }: AdminCaller, userId: string) =>
  run(stepUp, () => authClient.admin.revokeUserSessions({ userId }));
