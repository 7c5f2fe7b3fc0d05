// What the Vite dev server may serve: the client and the packages it imports, nothing else. Vite's default
// lets any page that can reach the port read every file of the workspace (at /@fs/<path>, and at /../<path>),
// and this workspace keeps the development secrets and the embedded PostgreSQL's files in .data/ and the
// services' sources in server/.
import path from "node:path";
import type { Plugin, ServerOptions } from "vite";

/** Vite's own default deny list (vite/dist/node/index.d.ts); setting `deny` replaces it, so it is repeated. */
const VITE_DEFAULT_DENY = [".env", ".env.*", "*.{crt,pem,key,p12,pfx,cer,der}", ".npmrc", ".yarnrc.yml", "**/.git/**"];

export function devServerFiles(clientDir: string, projectRoot: string): NonNullable<ServerOptions["fs"]> {
  // Patterns are matched against absolute paths; escape what picomatch would read as glob syntax.
  const root = projectRoot
    .split(path.sep)
    .join("/")
    .replace(/[()[\]{}*?!+@]/g, "\\$&");
  return {
    strict: true,
    // The packages live in the root's node_modules (pnpm links client/node_modules into it).
    allow: [clientDir, path.join(projectRoot, "node_modules")],
    // Refused even if `allow` is ever widened to the whole workspace: deny wins over allow.
    deny: [...VITE_DEFAULT_DENY, `${root}/.data`, `${root}/.data/**`, `${root}/server/**`, `${root}/prisma/**`],
  };
}

/**
 * A page address whose percent-encoding is malformed (`/tasks/%E0%A4%A`) gets the SPA's page, as from the production
 * web server, so the app can say "Page not found": Vite's SPA fallback skips a path it cannot decode, and its
 * last middleware answers a bare 404. Runs after that fallback, with the same test of what a page load accepts,
 * and before missingFilesAreNotFound, whose rules (dot-segments, file names) still apply.
 */
export function malformedAddressesGetThePage(): Plugin {
  return {
    name: "tasks:malformed-addresses-get-the-page",
    apply: "serve",
    configureServer(server) {
      return () => {
        server.middlewares.use((request, _response, next) => {
          if (request.method !== "GET" && request.method !== "HEAD") return next();
          const accept = request.headers.accept ?? "";
          if (accept !== "" && !accept.includes("text/html") && !accept.includes("*/*")) return next();
          if (decodedPath(new URL(request.url ?? "/", "http://localhost").pathname) === null) request.url = "/index.html";
          next();
        });
      };
    },
  };
}

/**
 * A missing file is a 404, as from the production web server (server/src/web/static-files.ts), not the SPA's
 * page: a path with a dot-segment (`/.data/...`, `/.env`), or a path with an extension asked for by
 * something other than a page load. Runs after Vite's SPA fallback, so it sees only what would get index.html.
 */
export function missingFilesAreNotFound(): Plugin {
  return {
    name: "tasks:missing-files-are-not-found",
    apply: "serve",
    configureServer(server) {
      return () => {
        server.middlewares.use((request, response, next) => {
          const asked = new URL(request.originalUrl ?? request.url ?? "/", "http://localhost").pathname;
          if (request.url !== "/index.html" || asked === "/" || asked === "/index.html") return next();
          const decoded = decodedPath(asked) ?? asked;
          const dotSegment = decoded.split("/").some((segment) => segment.startsWith("."));
          const isFile = path.posix.extname(decoded) !== "" && !(request.headers.accept ?? "").includes("text/html");
          if (!dotSegment && !isFile) return next();
          response.statusCode = 404;
          response.setHeader("content-type", "text/plain; charset=utf-8");
          response.end("Not found");
        });
      };
    },
  };
}

/** The path with its percent-escapes decoded, or null when they are malformed. */
function decodedPath(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}
