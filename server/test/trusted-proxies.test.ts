// Both services behind a real reverse proxy (node:http, appending X-Forwarded-For as nginx's
// $proxy_add_x_forwarded_for does). Clients connect from distinct loopback addresses (the socket is
// bound to them), so each service sees exactly what it would in production: every request's peer is
// the proxy. With TRUSTED_PROXIES naming the proxy, each client has its own budget and its own address
// on its session; a client cannot choose its address with a header of its own; without TRUSTED_PROXIES
// the header is ignored and everyone behind the proxy is one client.
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createAuthApp } from "../src/auth/app.ts";
import { createAuth } from "../src/auth/auth.ts";
import { EnvError, readEnv } from "../src/env.ts";
import { close, listen } from "../src/http-server.ts";
import { compileProxyTrust, rateLimitKeyOf } from "../src/net/client-address.ts";
import { type PeerAnswer, requestFrom } from "./support/request-from.ts";
import { PASSWORD, SPA_ORIGIN, startTestSystem, type TestSystem } from "./support/test-system.ts";

const PROXY_ADDRESS = "127.0.0.1";
/** The trust the services get, parsed from the variable exactly as at start. */
const trustFrom = (value: string | undefined) => ({ trustProxy: compileProxyTrust(readEnv({ TRUSTED_PROXIES: value }).TRUSTED_PROXIES) });

/** A reverse proxy in front of `target`: appends the peer's address to X-Forwarded-For, like nginx. */
async function reverseProxy(target: string): Promise<{ url: string; server: Server }> {
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    const forwardedFor = [incoming.headers["x-forwarded-for"], incoming.socket.remoteAddress].filter(Boolean).join(", ");
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: incoming.url,
        method: incoming.method,
        localAddress: PROXY_ADDRESS,
        agent: false,
        headers: { ...incoming.headers, host: upstream.host, "x-forwarded-for": forwardedFor },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on("error", () => outgoing.writeHead(502).end());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, PROXY_ADDRESS, resolve));
  return { url: `http://${PROXY_ADDRESS}:${(server.address() as AddressInfo).port}`, server };
}

let system: TestSystem;
const servers: Server[] = [];
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(async () => {
  await Promise.all(servers.map(close));
  await system.close();
});

async function serve(handler: Parameters<typeof listen>[0], trustedProxies: string | undefined): Promise<string> {
  const server = await listen(handler, 0, "127.0.0.1", trustFrom(trustedProxies));
  servers.push(server);
  const proxy = await reverseProxy(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  servers.push(proxy.server);
  return proxy.url;
}

describe("the API behind a proxy, 3 requests per minute per client address", () => {
  const ME = JSON.stringify({ query: "{ me { id } }" });
  const ask = (url: string, from: string, headers: Record<string, string> = {}) =>
    requestFrom(`${url}/graphql`, from, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: ME });
  const api = () => system.apiWith({ rateLimit: { perUserPerMinute: 0, perIpPerMinute: 3 } });

  test("with TRUSTED_PROXIES naming the proxy, two clients behind it have budgets of their own", async () => {
    const url = await serve(api(), PROXY_ADDRESS);
    for (let i = 0; i < 3; i += 1) expect((await ask(url, "127.0.0.3")).status).toBe(200);
    expect((await ask(url, "127.0.0.3")).status).toBe(429);
    expect((await ask(url, "127.0.0.4")).status).toBe(200);
  });

  test("a client that sends its own X-Forwarded-For is still counted as itself", async () => {
    const url = await serve(api(), PROXY_ADDRESS);
    for (let i = 0; i < 3; i += 1) expect((await ask(url, "127.0.0.5", { "x-forwarded-for": `198.51.100.${i + 1}` })).status).toBe(200);
    expect((await ask(url, "127.0.0.5", { "x-forwarded-for": "198.51.100.99" })).status).toBe(429);
  });

  test("without TRUSTED_PROXIES the header is ignored: everyone behind the proxy shares the proxy's budget", async () => {
    const url = await serve(api(), undefined);
    for (let i = 0; i < 3; i += 1) expect((await ask(url, "127.0.0.3")).status).toBe(200);
    expect((await ask(url, "127.0.0.4")).status).toBe(429);
  });

  test("IPv6 clients are counted per /64: behind two trusted hops, addresses in one /64 share a budget", async () => {
    // 127.0.0.2 plays an edge load balancer that saw IPv6 clients and says so in X-Forwarded-For; our
    // proxy at 127.0.0.1 appends 127.0.0.2. Both are trusted; the IPv6 address is the client.
    const url = await serve(api(), `${PROXY_ADDRESS},127.0.0.2/32`);
    for (const client of ["2001:db8:1:2::a", "2001:db8:1:2::b", "2001:db8:1:2:ffff::c"]) {
      expect((await ask(url, "127.0.0.2", { "x-forwarded-for": client })).status).toBe(200);
    }
    expect((await ask(url, "127.0.0.2", { "x-forwarded-for": "2001:db8:1:2::d" })).status).toBe(429);
    expect((await ask(url, "127.0.0.2", { "x-forwarded-for": "2001:db8:1:3::a" })).status).toBe(200);
  });
});

describe("the auth service behind a proxy, 3 sign-ins per minute per client address", () => {
  const auth = () =>
    createAuthApp(
      createAuth(
        system.db,
        { ...system.authConfig, rateLimit: { signInPerMinute: 3, signUpPerMinute: 0 } },
        { mailer: system.mail.mailer },
      ),
    );
  const signIn = (url: string, from: string, email: string, password: string, headers: Record<string, string> = {}) =>
    requestFrom(`${url}/api/auth/sign-in/email`, from, {
      method: "POST",
      headers: { "content-type": "application/json", origin: SPA_ORIGIN, ...headers },
      body: JSON.stringify({ email, password }),
    });
  // The session's token is only in its cookie (value "<token>.<signature>"): the body carries none.
  const sessionAddress = async (answer: PeerAnswer) => {
    const cookie = [answer.headers["set-cookie"] ?? []].flat().find((candidate) => candidate.includes("session_token="));
    const token = decodeURIComponent(cookie?.split(";")[0]?.split("=")[1] ?? "").split(".")[0] ?? "";
    const session = await system.db.session.findUniqueOrThrow({ where: { token }, select: { ipAddress: true } });
    return session.ipAddress;
  };

  test("with TRUSTED_PROXIES: one client's failures do not lock out another, and the session records the client's address", async () => {
    const url = await serve(auth(), PROXY_ADDRESS);
    const user = await system.signUp();
    for (let i = 0; i < 3; i += 1) expect((await signIn(url, "127.0.0.6", user.email, "a wrong password guess")).status).toBe(401);
    expect((await signIn(url, "127.0.0.6", user.email, PASSWORD)).status).toBe(429);
    const owner = await signIn(url, "127.0.0.7", user.email, PASSWORD, { "x-forwarded-for": "203.0.113.9" });
    expect(owner.status).toBe(200);
    expect(await sessionAddress(owner)).toBe("127.0.0.7");
  });

  test("without TRUSTED_PROXIES: the session records the proxy, and the proxy's budget is everyone's", async () => {
    const url = await serve(auth(), undefined);
    const user = await system.signUp();
    const first = await signIn(url, "127.0.0.6", user.email, PASSWORD, { "x-forwarded-for": "203.0.113.9" });
    expect(first.status).toBe(200);
    expect(await sessionAddress(first)).toBe(PROXY_ADDRESS);
    for (let i = 0; i < 2; i += 1) expect((await signIn(url, "127.0.0.6", user.email, "a wrong password guess")).status).toBe(401);
    expect((await signIn(url, "127.0.0.7", user.email, PASSWORD)).status).toBe(429);
  });
});

test("TRUSTED_PROXIES must be addresses or ranges: anything else stops the service, naming the variable", () => {
  expect(() => readEnv({ TRUSTED_PROXIES: "10.0.0.1, nginx.internal" })).toThrow(EnvError);
  expect(() => readEnv({ TRUSTED_PROXIES: "10.0.0.1, nginx.internal" })).toThrow(/TRUSTED_PROXIES/);
  expect(readEnv({ TRUSTED_PROXIES: " 10.0.0.1 , 10.1.0.0/16,::1 " }).TRUSTED_PROXIES).toEqual(["10.0.0.1", "10.1.0.0/16", "::1"]);
});

test("budget keys: IPv4 as is, IPv6 by /64, IPv4-mapped IPv6 as IPv4", () => {
  expect(rateLimitKeyOf("203.0.113.7")).toBe("203.0.113.7");
  expect(rateLimitKeyOf("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
  expect(rateLimitKeyOf("2001:db8:1:2::9")).toBe(rateLimitKeyOf("2001:db8:1:2:ffff::1"));
  expect(rateLimitKeyOf("::ffff:203.0.113.7")).toBe("203.0.113.7");
});
