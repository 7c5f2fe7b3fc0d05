// GET /ready for the API (GET /health is Yoga's own: the process answers). Ready means a request with a
// token could be served right now: the database answers, the signing keys are usable (fetched within
// API_JWKS_STALE_MAX_AGE_MS), and the revocation feed is current (the condition under which requests answer
// 503 AUTH_UNAVAILABLE otherwise). A key set never fetched yet is fetched by /ready itself, as the revocation
// feed is connected by it: an instance just started then becomes ready as soon as it could serve, instead of
// waiting for a first request that a load balancer would never send to an instance it thinks is not ready.
import type { Plugin } from "graphql-yoga";
import { failedChecks, isReadinessRequest, readinessAnswer } from "../readiness/readiness-answer.ts";
import type { RevocationFeed } from "../token-verification/revocation-feed.ts";
import type { TokenVerifier } from "../token-verification/token-verifier.ts";

/** The reasons /ready may give, each a fixed string (README "Operating it"). */
export const API_NOT_READY_REASONS = {
  database: "database_unavailable",
  keys: "signing_keys_unavailable",
  revocations: "revocations_not_current",
} as const;

export interface ApiReadinessSources {
  databaseAnswers: () => Promise<boolean>;
  keys: TokenVerifier["keys"];
  revocations: Pick<RevocationFeed, "assertCurrent">;
}

export function apiReadiness({ databaseAnswers, keys, revocations }: ApiReadinessSources): Plugin {
  const check = () =>
    failedChecks({
      [API_NOT_READY_REASONS.database]: databaseAnswers,
      [API_NOT_READY_REASONS.keys]: () => keys.usable(),
      // Connects the feed the first time; waits for that first attempt, never longer.
      [API_NOT_READY_REASONS.revocations]: async () => {
        await revocations.assertCurrent();
        return true;
      },
    });
  return {
    async onRequest({ request, url, endResponse }) {
      if (isReadinessRequest(request, url.pathname)) endResponse(readinessAnswer(await check()));
    },
  };
}
