// When GraphQL requests get a new token, in urql's exchange pipeline: a token close to expiry is renewed before
// the operation is sent; an HTTP 401 (or an auth error code: an invalid token, or an invalid DPoP proof) renews
// once and retries the operation once (@urql/exchange-auth marks the retry and never retries it again). When
// renewal finds the session gone, onSessionEnded is told and the waiting operations fail with that
// SessionEndedError. The token itself, and its DPoP proof, are put on the request as it is sent, by the client's
// fetch (auth/request-authorization.ts): a proof is made for one HTTP request, and urql's exchanges see
// operations, whose headers are set synchronously.
import type { CombinedError } from "@urql/core";
import { authExchange } from "@urql/exchange-auth";
import { SessionEndedError, type TokenStore } from "../auth/token-store.ts";

const AUTH_ERROR_CODES = new Set(["INVALID_TOKEN", "INVALID_DPOP_PROOF", "UNAUTHENTICATED"]);

export function isAuthError(error: CombinedError): boolean {
  const status = (error.response as Response | undefined)?.status;
  return status === 401 || error.graphQLErrors.some((graphQLError) => AUTH_ERROR_CODES.has(String(graphQLError.extensions?.code)));
}

export function tokenAuthExchange(tokens: TokenStore, onSessionEnded: (error: SessionEndedError) => void) {
  return authExchange(async () => ({
    addAuthToOperation: (operation) => operation, // the client's fetch adds the token (see above)
    willAuthError: () => tokens.needsRenewal(),
    didAuthError: isAuthError,
    async refreshAuth() {
      try {
        await tokens.renew();
      } catch (error) {
        if (error instanceof SessionEndedError) onSessionEnded(error);
        throw error;
      }
    },
  }));
}
