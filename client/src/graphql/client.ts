// One urql client per signed-in session (graphql-provider.tsx makes a new one for every session), so a
// sign-out or an account switch starts from an empty cache and nothing of the previous user remains.
import { cacheExchange, Client, fetchExchange } from "@urql/core";
import type { SessionEndedError, TokenStore } from "../auth/token-store.ts";
import { tokenAuthExchange } from "./auth-exchange.ts";

export interface GraphQLClientOptions {
  tokens: TokenStore;
  onSessionEnded: (error: SessionEndedError) => void;
  url?: string;
  fetch?: typeof fetch;
}

export function createGraphQLClient({ tokens, onSessionEnded, url = "/graphql", fetch }: GraphQLClientOptions): Client {
  return new Client({
    url,
    // The auth exchange is asynchronous: after the synchronous cache, before the network.
    exchanges: [cacheExchange, tokenAuthExchange(tokens, onSessionEnded), fetchExchange],
    // POST only: no query (and no private variables) in URLs or in the browser's HTTP cache.
    preferGetMethod: false,
    // The API trusts the bearer token only; the session cookie has no business there.
    fetchOptions: { credentials: "omit" },
    ...(fetch ? { fetch } : {}),
  });
}
