// The production web server (server/src/web/): the built SPA with the right caching, the SPA fallback, and
// /api/auth and /graphql routed to the auth service and the API on the same origin.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createWebApp } from "../../../server/src/web/web-app.ts";

let staticDir: string;
const seen: { service: string; url: string; cookie: string | null; authorization: string | null; body: string }[] = [];

function recorder(service: string) {
  return {
    async fetch(request: Request) {
      seen.push({
        service,
        url: new URL(request.url).pathname,
        cookie: request.headers.get("cookie"),
        authorization: request.headers.get("authorization"),
        body: request.method === "POST" ? await request.text() : "",
      });
      return Response.json({ service });
    },
  };
}

let web: ReturnType<typeof createWebApp>;
const get = (pathname: string, headers: Record<string, string> = {}) =>
  web.fetch(new Request(`http://localhost:5173${pathname}`, { headers }));

beforeAll(() => {
  staticDir = mkdtempSync(path.join(os.tmpdir(), "tasks-web-"));
  mkdirSync(path.join(staticDir, "assets"));
  writeFileSync(path.join(staticDir, "index.html"), '<!doctype html><div id="root"></div>');
  writeFileSync(path.join(staticDir, "assets", "index-AbC123.js"), "console.log('app')");
  writeFileSync(path.join(staticDir, "favicon.svg"), "<svg/>");
  writeFileSync(path.join(staticDir, ".env"), "SECRET=1");
  web = createWebApp({ auth: recorder("auth"), api: recorder("api"), staticDir });
});

afterAll(() => rmSync(staticDir, { recursive: true, force: true }));

describe("caching", () => {
  test("hashed assets are cached for a year and never revalidated", async () => {
    const response = await get("/assets/index-AbC123.js");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await response.text()).toBe("console.log('app')");
  });

  test("index.html and other files are revalidated on every load, with an ETag that answers 304", async () => {
    const index = await get("/", { accept: "text/html" });
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("content-security-policy")).toContain("default-src 'self'");
    const etag = index.headers.get("etag")!;
    expect(etag).toBeTruthy();
    const again = await get("/", { accept: "text/html", "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect((await get("/favicon.svg")).headers.get("cache-control")).toBe("no-cache");
  });
});

describe("the content security policy", () => {
  test("every page gets the strict policy: scripts, styles and requests from the origin only, no framing", async () => {
    for (const route of ["/", "/tasks/6d1f0c2e", "/sign-in"]) {
      const policy = (await get(route, { accept: "text/html" })).headers.get("content-security-policy") ?? "";
      const directives = Object.fromEntries(policy.split("; ").map((part) => [part.split(" ")[0], part.split(" ").slice(1)]));
      expect(directives, route).toEqual({
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
      });
    }
  });
});

describe("the SPA fallback", () => {
  test("an app route that is no file gets index.html (not cached)", async () => {
    for (const route of ["/tasks/6d1f0c2e", "/sign-in", "/some/deep/route?x=1"]) {
      const response = await get(route, { accept: "text/html,application/xhtml+xml" });
      expect(response.status, route).toBe(200);
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(await response.text()).toContain('<div id="root">');
    }
  });

  test("an address whose percent-encoding is malformed gets index.html too, so the app says Page not found", async () => {
    for (const route of ["/tasks/%E0%A4%A", "/%", "/%zz/x"]) {
      const response = await get(route, { accept: "text/html,application/xhtml+xml" });
      expect(response.status, route).toBe(200);
      expect(await response.text()).toContain('<div id="root">');
    }
    // As for any other name with an extension: a malformed file name asked for by a script stays a 404.
    expect((await get("/assets/index-%E0%A4%A.js", { accept: "*/*" })).status).toBe(404);
    expect((await get("/%E0%A4%A.js", { accept: "*/*" })).status).toBe(404);
  });

  test("a missing asset or file is a 404, not the page", async () => {
    expect((await get("/assets/index-Old999.js", { accept: "*/*" })).status).toBe(404);
    expect((await get("/assets/index-Old999.js", { accept: "text/html" })).status).toBe(404);
    expect((await get("/robots.txt", { accept: "*/*" })).status).toBe(404);
  });

  test("nothing outside the folder, and no dot-files, are served", async () => {
    expect((await get("/..%2f..%2fetc%2fpasswd")).status).toBe(400);
    expect((await get("/assets/..%2f..%2f..%2fetc%2fpasswd")).status).toBe(400);
    const dotFile = await get("/.env", { accept: "*/*" });
    expect(dotFile.status).toBe(404);
    expect(await dotFile.text()).not.toContain("SECRET");
  });

  test("only GET and HEAD reach the files", async () => {
    const head = await web.fetch(new Request("http://localhost:5173/assets/index-AbC123.js", { method: "HEAD" }));
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String("console.log('app')".length));
    expect(await head.text()).toBe("");
    expect((await web.fetch(new Request("http://localhost:5173/", { method: "POST", body: "x" }))).status).toBe(405);
  });
});

describe("one origin for the SPA, the auth service and the API", () => {
  test("/api/auth/* goes to the auth service with the session cookie", async () => {
    const response = await get("/api/auth/get-session", { cookie: "better-auth.session_token=abc" });
    expect(await response.json()).toEqual({ service: "auth" });
    expect(seen.at(-1)).toMatchObject({ service: "auth", url: "/api/auth/get-session", cookie: "better-auth.session_token=abc" });
  });

  test("/graphql goes to the API with the bearer token and the body, and without any cookie", async () => {
    const body = JSON.stringify({ query: "{ me { id } }" });
    const response = await web.fetch(
      new Request("http://localhost:5173/graphql", {
        method: "POST",
        headers: { cookie: "better-auth.session_token=abc", authorization: "Bearer x.y.z", "content-type": "application/json" },
        body,
      }),
    );
    expect(await response.json()).toEqual({ service: "api" });
    expect(seen.at(-1)).toEqual({ service: "api", url: "/graphql", cookie: null, authorization: "Bearer x.y.z", body });
  });

  test("GraphiQL's files under /graphql/assets/ go to the API too", async () => {
    expect(await (await get("/graphql/assets/graphiql-AbC123.js")).json()).toEqual({ service: "api" });
    expect(seen.at(-1)).toMatchObject({ service: "api", url: "/graphql/assets/graphiql-AbC123.js" });
  });

  test("other /api paths are a JSON 404, never the SPA", async () => {
    const response = await get("/api/unknown", { accept: "text/html" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Not found" });
    expect((await get("/graphqlx", { accept: "text/html" })).headers.get("content-type")).toBe("text/html; charset=utf-8");
  });
});
