// GraphiQL from the installed package, under a Content-Security-Policy that allows only its own origin.
// Yoga's built-in page loads its scripts from a public CDN, on the origin whose cookie mints tokens (and never
// renders on a machine without that CDN). @graphql-yoga/render-graphiql carries the same GraphiQL, but inlines
// its 9 MB of scripts and styles into the page, which `script-src 'self'` refuses; so its parts are served
// here as files under /graphql/assets/ (content-hashed, cached for a year) and the page has no inline script.
import { createHash } from "node:crypto";
import type { Plugin } from "graphql-yoga";
import { GRAPHIQL_DPOP_SCRIPT } from "./graphiql-dpop.ts";

export const GRAPHIQL_ASSETS_PATH = "/graphql/assets/";

// Monaco (GraphiQL's editor) adds <style> elements and style attributes as it draws, so styles may be
// inline; scripts and workers come only from this origin. Fonts and icons are data: URLs in its CSS.
export const GRAPHIQL_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": GRAPHIQL_CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

export interface GraphiQLPageOptions {
  title: string;
  defaultQuery: string;
}

interface Asset {
  body: string | Buffer;
  type: string;
}

interface Built {
  page: string;
  assets: Map<string, Asset>;
}

/** Serves GET /graphql (for a browser) and /graphql/assets/*; everything else goes on to Yoga. */
export function useSelfHostedGraphiQL(options: GraphiQLPageOptions): Plugin {
  // The package's parts are 9 MB of strings: loaded at the first GraphiQL request, not at every start.
  let built: Promise<Built> | undefined;
  return {
    onRequest({ request, url, endResponse }) {
      const method = request.method;
      if (method !== "GET" && method !== "HEAD") return;
      const isPage =
        (url.pathname === "/graphql" || url.pathname === "/graphql/") && (request.headers.get("accept") ?? "").includes("text/html");
      if (!isPage && !url.pathname.startsWith(GRAPHIQL_ASSETS_PATH)) return;
      built ??= build(options);
      return built.then(({ page, assets }) => {
        if (isPage) return endResponse(respond(method, page, "text/html; charset=utf-8", "no-cache"));
        const asset = assets.get(url.pathname);
        endResponse(
          asset
            ? respond(method, asset.body, asset.type, "public, max-age=31536000, immutable")
            : respond(method, "Not found", "text/plain; charset=utf-8", "no-store", 404),
        );
      });
    },
  };
}

function respond(method: string, body: string | Buffer, type: string, cacheControl: string, status = 200): Response {
  const headers = { ...SECURITY_HEADERS, "content-type": type, "cache-control": cacheControl };
  return new Response(method === "HEAD" ? null : typeof body === "string" ? body : new Uint8Array(body), { status, headers });
}

async function build(options: GraphiQLPageOptions): Promise<Built> {
  const parts = await import("@graphql-yoga/render-graphiql/graphiql");
  const assets = new Map<string, Asset>();
  const add = (name: string, extension: string, body: string | Buffer, type: string): string => {
    const hash = createHash("sha256").update(body).digest("base64url").slice(0, 12);
    const file = `${GRAPHIQL_ASSETS_PATH}${name}-${hash}.${extension}`;
    assets.set(file, { body, type });
    return file;
  };
  const javascript = "text/javascript; charset=utf-8";
  // Monaco asks for a worker by label; these are the three the package builds.
  const workers = {
    editorWorkerService: add("editor.worker", "js", parts.editorWorkerService, javascript),
    json: add("json.worker", "js", parts.jsonWorker, javascript),
    graphql: add("graphql.worker", "js", parts.graphqlWorker, javascript),
  };
  const start = add("start", "js", startScript(workers), javascript);
  // Before GraphiQL's script: its requests are signed with the web app's key where one is signed in (graphiql-dpop.ts).
  const dpop = add("dpop", "js", GRAPHIQL_DPOP_SCRIPT, javascript);
  const script = add("graphiql", "js", parts.js, javascript);
  const style = add("graphiql", "css", parts.css, "text/css; charset=utf-8");
  const favicon = add("favicon", "ico", Buffer.from(parts.favicon.replace(/^data:[^,]*;base64,/, ""), "base64"), "image/x-icon");
  const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title)}</title>
    <link rel="icon" href="${favicon}" />
    <link rel="stylesheet" href="${style}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root">Loading ${escapeHtml(options.title)}…</div>
    <script type="application/json" id="graphiql-options">${jsonForHtml(renderOptions(options))}</script>
    <script src="${dpop}"></script>
    <script src="${start}"></script>
    <script src="${script}"></script>
  </body>
</html>
`;
  return { page, assets };
}

/** What the page hands to renderYogaGraphiQL. */
function renderOptions(options: GraphiQLPageOptions) {
  // Yoga's GraphiQL keeps the Headers tab (a bearer token) in the origin's localStorage unless told not to;
  // on the SPA's origin that would leave a token at rest, readable after sign-out.
  return { title: options.title, defaultQuery: options.defaultQuery, shouldPersistHeaders: false };
}

/**
 * Runs before GraphiQL's own script: tells Monaco where its workers are (same-origin files, where the package
 * would make blob: URLs), then renders once the page has loaded, with the options the page carries as data.
 */
function startScript(workers: Record<string, string>): string {
  return `"use strict";
(function () {
  var workers = ${JSON.stringify(workers)};
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (_moduleId, label) { return workers[label]; },
  };
  document.addEventListener("DOMContentLoaded", function () {
    var options = JSON.parse(document.getElementById("graphiql-options").textContent);
    YogaGraphiQL.renderYogaGraphiQL(document.getElementById("root"), options);
  });
})();
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** JSON inside a <script> data block: `<` escaped, so no text can close the element. */
function jsonForHtml(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
