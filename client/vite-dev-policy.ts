// The production web server's Content-Security-Policy (server/src/web/security-headers.ts, published by
// `pnpm schema:print` as server/content-security-policy.json: the client imports no server source) on the Vite dev
// server's pages too, so a script from elsewhere or an inline one is refused while developing, not first in
// production. Two things the dev server does differ: React Fast Refresh's preamble is an inline script (here
// it is loaded from the module @vitejs/plugin-react serves for that purpose), and Vite puts each imported
// CSS file into a <style> element, so styles may be inline in development.
import type { Plugin } from "vite";
import published from "../server/content-security-policy.json" with { type: "json" };

export const DEV_CONTENT_SECURITY_POLICY = published.contentSecurityPolicy.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

const INLINE_PREAMBLE = /<script type="module">\s*import \{ injectIntoGlobalHook \} from "\/@react-refresh";[\s\S]*?<\/script>/;
const PREAMBLE_MODULE = '<script type="module" src="/@id/@vitejs/plugin-react/preamble"></script>';

/** `proxied`: the dev proxy's routes (regular expressions); what the services answer keeps their own headers. */
export function devContentSecurityPolicy(proxied: string[]): Plugin {
  const routes = proxied.map((route) => new RegExp(route));
  return {
    name: "tasks:dev-content-security-policy",
    apply: "serve",
    transformIndexHtml: {
      order: "post",
      handler(html) {
        if (!INLINE_PREAMBLE.test(html)) return html;
        return html.replace(INLINE_PREAMBLE, PREAMBLE_MODULE);
      },
    },
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const url = request.url ?? "/";
        if (!routes.some((route) => route.test(url))) {
          response.setHeader("content-security-policy", DEV_CONTENT_SECURITY_POLICY);
          response.setHeader("x-frame-options", "DENY");
        }
        next();
      });
    },
  };
}
