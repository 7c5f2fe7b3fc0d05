// All token handling for GraphQL requests lives here, in urql's exchange pipeline: every operation carries
// `Authorization: Bearer <jwt>`; a token close to expiry is renewed before the operation is sent; an HTTP 401
// (or an auth error code) renews once and retries the operation once (@urql/exchange-auth marks the retry
// and never retries it again). When renewal finds the session gone, onSessionEnded is told and the waiting
// operations fail with that SessionEndedError.
import type { CombinedError } from "@urql/core";
import { authExchange } from "@urql/exchange-auth";
import { SessionEndedError, type TokenStore } from "../auth/token-store.ts";

const AUTH_ERROR_CODES = new Set(["INVALID_TOKEN", "UNAUTHENTICATED"]);

export function isAuthError(error: CombinedError): boolean {
  const status = (error.response as Response | undefined)?.status;
  return status === 401 || error.graphQLErrors.some((graphQLError) => AUTH_ERROR_CODES.has(String(graphQLError.extensions?.code)));
}

export function tokenAuthExchange(tokens: TokenStore, onSessionEnded: (error: SessionEndedError) => void) {
  return authExchange(async (utils) => ({
    addAuthToOperation(operation) {
      const token = tokens.current();
      return token ? utils.appendHeaders(operation, { Authorization: `Bearer ${token}` }) : operation;
    },
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
