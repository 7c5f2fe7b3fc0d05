// Every endpoint Better Auth serves here, decided one by one: the ones this project uses are allowed, every
// other answers 404. Held twice: the auth app passes only allowed paths to Better Auth (auth/app.ts), and
// the refused ones are in Better Auth's disabledPaths. An upgrade or a plugin that adds an endpoint fails
// endpoints.test.ts until it is decided here; until then the app refuses it.
import { ADMIN_ENDPOINTS } from "./admin-powers.ts";

const CORE_ENDPOINTS = {
  allowed: [
    // Accounts and sessions, as the web app and scripts use them.
    "/sign-up/email",
    "/sign-in/email",
    "/sign-out",
    "/get-session",
    "/list-sessions",
    "/revoke-session",
    "/revoke-sessions",
    "/revoke-other-sessions",
    // The API's bearer tokens and the keys that verify them.
    "/token",
    "/jwks",
    // Mailed links, and asking for them.
    "/verify-email",
    "/send-verification-email",
    "/request-password-reset",
    "/reset-password/:token",
    "/reset-password",
    // Changes that take the current password (password-guessing.ts counts and audits each check), and the
    // old address's undo of an email change (email-change.ts).
    "/change-password",
    "/change-email",
    "/undo-email-change",
    "/delete-user",
    // Two-step verification (second-factor.ts): turning it on (the password, then the first code) and off,
    // the sign-in's second step with a code or a backup code, and new backup codes.
    "/two-factor/enable",
    "/two-factor/disable",
    "/two-factor/verify-totp",
    "/two-factor/verify-backup-code",
    "/two-factor/generate-backup-codes",
    // Passkeys (passkeys.ts): adding one (the password, options, then the authenticator's answer), signing in
    // with one (options, then the signed challenge), and listing, renaming and removing one's own.
    "/passkey/confirm-password",
    "/passkey/generate-register-options",
    "/passkey/verify-registration",
    "/passkey/generate-authenticate-options",
    "/passkey/verify-authentication",
    "/passkey/list-user-passkeys",
    "/passkey/update-passkey",
    "/passkey/delete-passkey",
    // Liveness, no data.
    "/ok",
  ],
  refused: [
    // A password oracle for whoever holds a session cookie; nothing here needs it.
    "/verify-password",
    // Deletion by a mailed token: this project deletes with the password only.
    "/delete-user/callback",
    // Profile and session edits the web app does not offer (the name is part of the password policy).
    "/update-user",
    "/update-session",
    // Social sign-in and linked accounts: no provider is configured.
    "/sign-in/social",
    "/callback/:id",
    "/link-social",
    "/unlink-account",
    "/list-accounts",
    "/account-info",
    "/get-access-token",
    "/refresh-token",
    // Better Auth's own error page, for OAuth flows.
    "/error",
    // The authenticator app's secret again, after it was set up: shown once, at /two-factor/enable.
    "/two-factor/get-totp-uri",
    // Codes by mail or SMS: no sender is configured; the authenticator app and backup codes are the factors.
    "/two-factor/send-otp",
    "/two-factor/verify-otp",
  ],
} as const;

export const AUTH_ENDPOINTS = {
  allowed: [...CORE_ENDPOINTS.allowed, ...ADMIN_ENDPOINTS.allowed],
  refused: [...CORE_ENDPOINTS.refused, ...ADMIN_ENDPOINTS.refused],
};

const allowedPatterns = AUTH_ENDPOINTS.allowed.map((path) => path.split("/"));

/** Whether `path` (under /api/auth, e.g. "/reset-password/abc") is one of the allowed endpoints. */
export function isAllowedEndpoint(path: string): boolean {
  return allowedEndpointOf(path) !== undefined;
}

/**
 * The allowed endpoint `path` is, as its pattern ("/reset-password/:token" for "/reset-password/abc"): what a
 * log line or a metric's label may name, since a path's parameters can be secrets (a reset link's token).
 * Undefined for any other.
 */
export function allowedEndpointOf(path: string): string | undefined {
  const segments = path.split("/");
  const index = allowedPatterns.findIndex(
    (pattern) =>
      pattern.length === segments.length &&
      pattern.every((part, index) => (part.startsWith(":") ? (segments[index] ?? "") !== "" : part === segments[index])),
  );
  return index === -1 ? undefined : AUTH_ENDPOINTS.allowed[index];
}

/**
 * The auth service's route a request is, by name ("/api/auth/reset-password/:token", "/health"), for log lines and
 * metric labels; "other" for anything else (a path is the client's text, and may hold a secret).
 */
export function authRouteOf(pathname: string): string {
  if (pathname.startsWith("/api/auth/")) {
    const endpoint = allowedEndpointOf(pathname.slice("/api/auth".length));
    return endpoint ? `/api/auth${endpoint}` : "other";
  }
  if (pathname === "/health" || pathname === "/ready" || pathname === "/metrics" || pathname === "/dev/mail") return pathname;
  return "other";
}
