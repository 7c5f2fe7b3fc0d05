// The built SPA's files (client/dist) over HTTP. Vite names everything under /assets/ by content hash, so
// those are cached for a year and never revalidated; index.html and the other files are revalidated on
// every load (ETag), so a new deployment is picked up at once. Any other GET for a page (not a file) gets
// index.html, a malformed address (bad percent-encoding) included: the SPA's router owns those paths and
// says "Page not found" for the ones it does not know.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { securityHeaders } from "./security-headers.ts";

export const IMMUTABLE = "public, max-age=31536000, immutable";
export const REVALIDATE = "no-cache";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
};

export interface StaticFiles {
  /** Answers a GET or HEAD for `pathname` from the directory, or with index.html for an app route. */
  serve(request: Request, pathname: string): Promise<Response>;
}

export function createStaticFiles(directory: string): StaticFiles {
  const root = path.resolve(directory);
  const indexFile = path.join(root, "index.html");

  return {
    async serve(request, pathname) {
      const target = resolveInside(root, pathname);
      if (target.kind === "bad") return plain(400, "Bad request");
      if (target.kind === "hidden") return plain(404, "Not found");
      if (target.kind === "file") {
        const found = await regularFile(target.file);
        if (found) return fileResponse(request, target.file, found, isHashedAsset(pathname) ? IMMUTABLE : REVALIDATE);
      }
      // A missing asset or file stays a 404: answering it with HTML would hide the error (and get cached).
      if (isHashedAsset(pathname) || (path.posix.extname(pathname) !== "" && !acceptsHtml(request))) {
        return plain(404, "Not found");
      }
      const index = await regularFile(indexFile);
      if (!index) return plain(404, "The SPA is not built: run `pnpm build`.");
      return fileResponse(request, indexFile, index, REVALIDATE);
    },
  };
}

function isHashedAsset(pathname: string): boolean {
  return pathname.startsWith("/assets/");
}

function acceptsHtml(request: Request): boolean {
  return (request.headers.get("accept") ?? "").includes("text/html");
}

/** `malformed`: the path does not decode, so it names no file (it may still be a page address). */
type Target = { kind: "file"; file: string } | { kind: "malformed" } | { kind: "hidden" } | { kind: "bad" };

/** The file a URL path names inside root. Paths that climb out are bad; dot-files are never served. */
function resolveInside(root: string, pathname: string): Target {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { kind: "malformed" };
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return { kind: "bad" };
  const segments = decoded.split("/").filter(Boolean);
  if (segments.includes("..")) return { kind: "bad" };
  if (segments.some((segment) => segment.startsWith("."))) return { kind: "hidden" };
  const file = path.resolve(root, ...(segments.length > 0 ? segments : ["index.html"]));
  return file.startsWith(root + path.sep) ? { kind: "file", file } : { kind: "bad" };
}

async function regularFile(file: string): Promise<{ size: number; mtimeMs: number } | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? { size: info.size, mtimeMs: info.mtimeMs } : null;
  } catch {
    return null;
  }
}

async function fileResponse(
  request: Request,
  file: string,
  info: { size: number; mtimeMs: number },
  cacheControl: string,
): Promise<Response> {
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
  const headers = new Headers({ "cache-control": cacheControl, "content-type": type, etag, ...securityHeaders(type) });
  if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  if (request.method === "HEAD") {
    headers.set("content-length", String(info.size));
    return new Response(null, { status: 200, headers });
  }
  return new Response(await readFile(file), { status: 200, headers });
}

function plain(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...securityHeaders("text/plain") },
  });
}
