// The Vite dev server's proxy: the browser talks to one origin (the SPA's), so the session cookie stays
// first-party. /api/auth goes to the auth service; /graphql goes to the API without any cookie, because
// the API trusts bearer tokens only and never sees the session.
import type { ProxyOptions } from "vite";

export interface DevProxyTargets {
  /** Where the auth service listens, e.g. http://127.0.0.1:4001 */
  auth: string;
  /** Where the API listens, e.g. http://127.0.0.1:4000 */
  api: string;
}

export function devProxy(targets: DevProxyTargets): Record<string, ProxyOptions> {
  return {
    "^/api/auth(?:[/?]|$)": { target: targets.auth },
    // Development's caught mail, listed by the auth service (its own page and policy).
    "^/dev/mail(?:[?]|$)": { target: targets.auth },
    "^/graphql(?:[/?]|$)": {
      target: targets.api,
      configure(proxy) {
        proxy.on("proxyReq", (proxyRequest) => proxyRequest.removeHeader("cookie"));
      },
    },
  };
}
