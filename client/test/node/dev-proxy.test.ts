// The Vite dev server's proxy (vite-dev-proxy.ts, used by vite.config.ts): one origin in development too.
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createServer, resolveConfig, type ViteDevServer } from "vite";
import { freePort } from "../../../server/src/net/free-port.ts";
import { devProxy } from "../../vite-dev-proxy.ts";
import { clientDir } from "../support/build-spa.ts";

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

function upstream(name: string, received: Received[]): Promise<{ server: Server; url: string }> {
  const server = createHttpServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ url: request.url ?? "", headers: request.headers, body });
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ from: name }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })),
  );
}

const toAuth: Received[] = [];
const toApi: Received[] = [];
let auth: Awaited<ReturnType<typeof upstream>>;
let api: Awaited<ReturnType<typeof upstream>>;
let vite: ViteDevServer;
let origin: string;

beforeAll(async () => {
  [auth, api] = await Promise.all([upstream("auth", toAuth), upstream("api", toApi)]);
  const port = await freePort();
  vite = await createServer({
    configFile: false,
    root: clientDir,
    logLevel: "silent",
    server: { host: "127.0.0.1", port, strictPort: true, proxy: devProxy({ auth: auth.url, api: api.url }) },
  });
  await vite.listen();
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await vite?.close();
  auth?.server.close();
  api?.server.close();
});

test("/api/auth/* reaches the auth service with the session cookie", async () => {
  const response = await fetch(`${origin}/api/auth/get-session`, { headers: { cookie: "better-auth.session_token=abc" } });
  expect(await response.json()).toEqual({ from: "auth" });
  expect(toAuth.at(-1)).toMatchObject({ url: "/api/auth/get-session", headers: { cookie: "better-auth.session_token=abc" } });
});

test("/graphql reaches the API with the bearer token and the body, and without the cookie", async () => {
  const body = JSON.stringify({ query: "{ me { id } }" });
  const response = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { cookie: "better-auth.session_token=abc", authorization: "Bearer x.y.z", "content-type": "application/json" },
    body,
  });
  expect(await response.json()).toEqual({ from: "api" });
  const received = toApi.at(-1)!;
  expect(received).toMatchObject({ url: "/graphql", body, headers: { authorization: "Bearer x.y.z" } });
  expect(received.headers.cookie).toBeUndefined();
});

test("paths that only start like them are the SPA's, not proxied", async () => {
  const before = toApi.length + toAuth.length;
  const response = await fetch(`${origin}/graphqlish`, { headers: { accept: "text/html" } });
  expect(await response.text()).toContain('<div id="root">');
  expect(toApi.length + toAuth.length).toBe(before);
});

test("vite.config.ts proxies to the ports the services use, from the same variables", async () => {
  const saved = {
    HOST: process.env.HOST,
    AUTH_PORT: process.env.AUTH_PORT,
    API_PORT: process.env.API_PORT,
    CLIENT_PORT: process.env.CLIENT_PORT,
  };
  Object.assign(process.env, { HOST: "127.0.0.1", AUTH_PORT: "4101", API_PORT: "4100", CLIENT_PORT: "5273" });
  try {
    const config = await resolveConfig({ configFile: path.join(clientDir, "vite.config.ts"), logLevel: "silent" }, "serve");
    expect(config.server.port).toBe(5273);
    expect(config.server.strictPort).toBe(true);
    const proxy = config.server.proxy as Record<string, { target: string }>;
    expect(Object.fromEntries(Object.entries(proxy).map(([route, options]) => [route, options.target]))).toEqual({
      "^/api/auth(?:[/?]|$)": "http://127.0.0.1:4101",
      "^/dev/mail(?:[?]|$)": "http://127.0.0.1:4101", // development's caught mail, the auth service's page
      "^/graphql(?:[/?]|$)": "http://127.0.0.1:4100",
    });
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});
