// A fresh urql client and token store for each signed-in session. Sign-out or a switch to another account
// unmounts this provider (it is keyed by the session id), which drops the client with its cache, and the
// previous user's tokens with it. The live stream of task changes is this session's too (live/live-updates.tsx).
import { createContext, useContext, useEffect, useMemo, useRef, type ReactNode } from "react";
import { Provider } from "urql";
import { callAuth } from "../auth/auth-errors.ts";
import { tokenEndpoint } from "../auth/auth-client.ts";
import { useSession } from "../auth/session.tsx";
import { stepUpWithPasskey } from "../auth/passkey-step-up.ts";
import { createStepUp } from "../auth/step-up.ts";
import { StepUpHost } from "../auth/step-up-dialog.tsx";
import { createTokenStore, type TokenAnswer, tokenFetcher, type TokenStore } from "../auth/token-store.ts";
import { createLiveStatus } from "../live/live-status.ts";
import { LiveUpdatesProvider } from "../live/live-updates.tsx";
import { createGraphQLClient } from "./client.ts";

const TokensContext = createContext<TokenStore | null>(null);

export function GraphQLProvider({ children }: { children: ReactNode }) {
  const { authClient, dpopKeys, user, sessionId, clientKey, endSession, sessionSettled, replaceSession } = useSession();
  const endSessionRef = useRef(endSession);
  endSessionRef.current = endSession;
  // A passkey step-up replaces the session it starts from, which is whichever is current when it is chosen.
  const replacingRef = useRef({ replaceSession, sessionId });
  replacingRef.current = { replaceSession, sessionId };
  if (!user || !sessionId) throw new Error("GraphQLProvider is only for signed-in screens.");

  // A new client per signed-in session (clientKey: a session this tab replaced by a password change carries
  // on in the same one). The key is the reason to rebuild, though the body does not read it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: clientKey is the trigger, on purpose.
  const { client, tokens, liveStatus, stepUp } = useMemo(() => {
    // Every token is asked for with a proof of this browser's key for the user, so it comes bound to it; once
    // this session is signed out here, its requests still in flight make no key again.
    const keyGeneration = dpopKeys.generation();
    const fetchBoundToken = tokenFetcher((headers) => authClient.$fetch<TokenAnswer>("/token", { method: "GET", headers }), {
      key: () => dpopKeys.keyFor(user.id, keyGeneration),
      url: tokenEndpoint(),
    });
    const tokens = createTokenStore({
      userId: user.id,
      // While this tab's session is being replaced, a token asked for waits for the new session's cookie (and
      // the proof is made after the wait, so it is fresh).
      fetchToken: async () => {
        await sessionSettled();
        return fetchBoundToken();
      },
    });
    const liveStatus = createLiveStatus();
    // A code verified for this session, or a passkey sign-in that replaced it, makes the next token say so (amr,
    // auth_time): replace, never reuse, the held one.
    const stepUp = createStepUp({
      verify: async (method, code) =>
        (
          await callAuth(() =>
            method === "backup-code" ? authClient.twoFactor.verifyBackupCode({ code }) : authClient.twoFactor.verifyTotp({ code }),
          )
        ).problem,
      verifyWithPasskey: () => {
        const { replaceSession, sessionId } = replacingRef.current;
        if (!sessionId) return Promise.resolve("You are signed out.");
        return stepUpWithPasskey({ authClient, replaceSession, userId: user.id, sessionId });
      },
      replaceToken: () => tokens.replace(),
    });
    const client = createGraphQLClient({
      tokens,
      liveStatus,
      stepUp,
      onSessionEnded: (error) => endSessionRef.current(error.reason),
    });
    return { client, tokens, liveStatus, stepUp };
  }, [authClient, dpopKeys, user.id, clientKey, sessionSettled]);

  // The session was replaced under the same client: the API refuses the old session's token, so get the new one now.
  const tokenSession = useRef(sessionId);
  useEffect(() => {
    if (tokenSession.current === sessionId) return;
    tokenSession.current = sessionId;
    tokens.renew().catch(() => {}); // a session that ended meanwhile is the exchanges' to report
  }, [sessionId, tokens]);

  return (
    <TokensContext.Provider value={tokens}>
      <Provider value={client}>
        <LiveUpdatesProvider status={liveStatus}>
          <StepUpHost stepUp={stepUp}>{children}</StepUpHost>
        </LiveUpdatesProvider>
      </Provider>
    </TokensContext.Provider>
  );
}

/** The session's API token store (the "Copy token" button uses it; GraphQL requests go through urql). */
export function useTokens(): TokenStore {
  const tokens = useContext(TokensContext);
  if (!tokens) throw new Error("useTokens must be used inside <GraphQLProvider>.");
  return tokens;
}
