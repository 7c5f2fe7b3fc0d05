// Stepping up with a passkey. Better Auth has no "verify a passkey for this session": its passkey sign-in
// (authClient.signIn.passkey, the sign-in page's) makes a NEW session, stamped "swk user mfa" with a fresh
// second factor (server/src/auth/second-factor.ts), and sets its cookie. So this runs that sign-in through
// session.tsx's replaceSession, the app carrying on in the new session as after a password change, and then
// ends the session it replaced: this browser would otherwise appear twice in "Devices and sessions", the old
// entry a live session nobody uses (and one a stolen cookie could still use, without the fresh second factor).
// The sign-in must be the same person's. Signed in, the passkey plugin's options list only this account's
// passkeys (allowCredentials), so the browser offers no other; should an answer still name someone else, the app
// does not switch accounts (session.tsx shows no other person's session during a replacement): that session is
// signed out at once. Its cookie has replaced this tab's, so this tab ends signed out too, not in the other account.
import type { AuthClient } from "./auth-client.ts";
import { callAuth } from "./auth-errors.ts";
import type { SessionContextValue } from "./session.tsx";

export const PASSKEY_OF_ANOTHER_ACCOUNT =
  "That passkey belongs to another account, so it was not used and that account was signed out. Sign in again as yourself.";

/** Whose session the passkey sign-in made: the signed-in person's, someone else's, or none (it failed). */
export function passkeySignInFor(signedInUserId: string, answer: { data?: { user?: { id?: unknown } } | null }): "same" | "other" | "none" {
  const id = answer.data?.user?.id;
  if (typeof id !== "string") return "none";
  return id === signedInUserId ? "same" : "other";
}

export interface PasskeyStepUpContext {
  authClient: AuthClient;
  replaceSession: SessionContextValue["replaceSession"];
  userId: string;
  /** The session being replaced, ended once the new one is in place. */
  sessionId: string;
}

/** null once this person's passkey made this tab's new session; else the problem in words. */
export async function stepUpWithPasskey({ authClient, replaceSession, userId, sessionId }: PasskeyStepUpContext): Promise<string | null> {
  let problem: string | null = null;
  await replaceSession(async () => {
    const signedIn = await callAuth(() => authClient.signIn.passkey());
    const whose = passkeySignInFor(userId, signedIn);
    if (whose === "none") {
      problem = signedIn.problem ?? "Your passkey was not accepted. Try again.";
      return { error: problem };
    }
    if (whose === "other") {
      await callAuth(() => authClient.signOut());
      problem = PASSKEY_OF_ANOTHER_ACCOUNT;
      return { error: problem };
    }
    // The old session's end is expected while the replacement is under way (session.tsx), so it is no sign-out.
    await callAuth(() => authClient.revokeSession({ token: sessionId }));
    return { error: null };
  });
  return problem;
}
