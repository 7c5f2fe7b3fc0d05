// One urql client per signed-in session (graphql-provider.tsx makes a new one for every session), so a
// sign-out or an account switch starts from an empty cache and nothing of the previous user remains.
import { cacheExchange, Client, fetchExchange } from "@urql/core";
import type { StepUp } from "../auth/step-up.ts";
import { authorizingFetch } from "../auth/request-authorization.ts";
import type { SessionEndedError, TokenStore } from "../auth/token-store.ts";
import { createLiveStatus, type LiveStatus } from "../live/live-status.ts";
import { tokenAuthExchange } from "./auth-exchange.ts";
import { liveExchange } from "./live-exchange.ts";
import { networkReceiptExchange } from "./network-receipts.ts";
import { stepUpExchange } from "./step-up-exchange.ts";
import { withTraceparent } from "../tracing/trace-context.ts";

export interface GraphQLClientOptions {
  tokens: TokenStore;
  onSessionEnded: (error: SessionEndedError) => void;
  /** Asks for a recent second factor when the API wants one (admin fields); without it such refusals reach the screen as they are. */
  stepUp?: Pick<StepUp, "request">;
  /** Told when the live stream (subscriptions) opens and closes. */
  liveStatus?: LiveStatus;
  url?: string;
  fetch?: typeof fetch;
  /** For tests: the wait before the nth failed live connection in a row is retried. */
  liveRetryDelay?: (attempt: number) => number;
  /** For tests: how long a live connection may stay silent before it is taken for dead. */
  liveSilenceMs?: number;
}

export function createGraphQLClient({
  tokens,
  onSessionEnded,
  stepUp,
  liveStatus = createLiveStatus(),
  url = "/graphql",
  fetch,
  liveRetryDelay,
  liveSilenceMs,
}: GraphQLClientOptions): Client {
  return new Client({
    url,
    // The auth exchange is asynchronous: after the synchronous cache, before the network. Subscriptions leave
    // the pipeline before it: the live exchange holds its stream open across tokens, with the same store.
    exchanges: [
      cacheExchange,
      liveExchange({ tokens, onSessionEnded, status: liveStatus, url, fetch, retryDelay: liveRetryDelay, silenceMs: liveSilenceMs }),
      // Above the auth exchange, so an operation retried after a step-up is a fresh attempt (and is sent with the
      // token the step-up fetched, which the store then holds).
      ...(stepUp ? [stepUpExchange(stepUp)] : []),
      tokenAuthExchange(tokens, onSessionEnded),
      // Just above fetch: what it counts went to the network (the live refetch tells its own answer by it).
      networkReceiptExchange,
      fetchExchange,
    ],
    // POST only: no query (and no private variables) in URLs or in the browser's HTTP cache.
    preferGetMethod: false,
    // The API trusts the token only; the session cookie has no business there.
    fetchOptions: { credentials: "omit" },
    // Every request leaves with the store's current token, and its DPoP proof when the token is bound. (The global
    // fetch is looked up at call time, so a test's stubbed fetch is the one used.)
    // Each request also carries the user action's traceparent (tracing/trace-context.ts).
    fetch: authorizingFetch(withTraceparent(fetch ?? ((input, init) => globalThis.fetch(input, init))), () => tokens.current()),
  });
}
