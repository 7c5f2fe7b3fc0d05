// GET /ready for the auth service (GET /health only says the process answers): the database answers, a
// signing key exists, and in production mail goes to a real SMTP server (sign-up and password reset need it).
// With no signing key yet (a new database), /ready mints the first one through Better Auth's own JWKS
// endpoint, as the API's first key fetch would: a service is not ready until it can sign, and waiting for a
// first token request would never end behind a load balancer that routes none to it.
import type { AuthConfig } from "../config.ts";
import { failedChecks } from "../readiness/readiness-answer.ts";
import type { Auth } from "./auth.ts";

/** The reasons /ready may give, each a fixed string (README "Operating it"). */
export const AUTH_NOT_READY_REASONS = {
  database: "database_unavailable",
  signingKey: "no_signing_key",
  mail: "mail_not_configured",
} as const;

export interface AuthReadinessSources {
  databaseAnswers: () => Promise<boolean>;
  auth: Auth;
  config: Pick<AuthConfig, "production" | "sharedSecret" | "mail">;
}

/** The failed checks' reasons; empty when ready. */
export function authReadiness({ databaseAnswers, auth, config }: AuthReadinessSources): () => Promise<string[]> {
  const signingKeyExists = async () => {
    // HS256 mode signs with the shared secret: no key set to publish.
    if (config.sharedSecret) return true;
    const { keys } = await auth.api.getJwks();
    return keys.length > 0;
  };
  return () =>
    failedChecks({
      [AUTH_NOT_READY_REASONS.database]: databaseAnswers,
      [AUTH_NOT_READY_REASONS.signingKey]: signingKeyExists,
      [AUTH_NOT_READY_REASONS.mail]: () => !config.production || config.mail.kind === "smtp",
    });
}
