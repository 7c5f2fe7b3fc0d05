// Headers for what the web server serves itself (the SPA's files). The SPA loads only its own scripts and
// styles and talks only to its own origin, so the content security policy can say exactly that.
// The Vite dev server sends the same policy (client/vite-dev-policy.ts), loosened only where its HMR needs it;
// it reads it from server/content-security-policy.json, which `pnpm schema:print` writes from here.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export function securityHeaders(contentType: string): Record<string, string> {
  return {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    ...(contentType.startsWith("text/html") ? { "content-security-policy": CONTENT_SECURITY_POLICY, "x-frame-options": "DENY" } : {}),
  };
}

/** The published copy's contents (server/content-security-policy.json). */
export function publishedContentSecurityPolicy(): string {
  return `${JSON.stringify({ contentSecurityPolicy: CONTENT_SECURITY_POLICY }, null, 2)}\n`;
}
