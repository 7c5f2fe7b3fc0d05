// The API's per-user and per-IP budgets (memory store). The client IP comes from the header our HTTP
// server sets from the socket; here the app is called in-process, so the tests set it themselves.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { AddressInfo } from "node:net";
import { close, listen } from "../src/http-server.ts";
import { CLIENT_IP_HEADER } from "../src/net/client-address.ts";
import { expectRateLimited } from "./support/rate-limit-expectations.ts";
import { randomTestIp, startTestSystem, type TestSystem } from "./support/test-system.ts";

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

const ME = "{ me { id } }";
const anIp = randomTestIp;

test("a user over their budget gets 429 RATE_LIMITED; another user is unaffected", async () => {
  const api = system.apiWith({ rateLimit: { perUserPerMinute: 3, perIpPerMinute: 0 } });
  const [alice, bob] = [await system.signUp(), await system.signUp()];
  const ip = anIp();
  for (let i = 0; i < 3; i += 1) {
    expect((await system.graphql(ME, { token: alice.token, api, headers: { [CLIENT_IP_HEADER]: ip } })).body.data?.me?.id).toBe(alice.id);
  }
  expectRateLimited(await system.graphql(ME, { token: alice.token, api, headers: { [CLIENT_IP_HEADER]: anIp() } }));
  expect((await system.graphql(ME, { token: bob.token, api, headers: { [CLIENT_IP_HEADER]: ip } })).body.data?.me?.id).toBe(bob.id);
});

test("an address over its budget gets 429, whether anonymous, signed in, or sending bad tokens", async () => {
  const api = system.apiWith({ rateLimit: { perUserPerMinute: 0, perIpPerMinute: 4 } });
  const user = await system.signUp();
  const ip = anIp();
  const from = (token?: string) => system.graphql(ME, { token, api, headers: { [CLIENT_IP_HEADER]: ip } });
  expect((await from()).status).toBe(200);
  expect((await from(user.token)).status).toBe(200);
  expect((await from("not.a.token")).status).toBe(401);
  expect((await from("still.not.one")).status).toBe(401);
  // The limit is checked before the token: bad tokens count, and the fifth request is refused.
  expectRateLimited(await from(user.token));
  expectRateLimited(await from("not.a.token"));
  expect((await system.graphql(ME, { token: user.token, api, headers: { [CLIENT_IP_HEADER]: anIp() } })).status).toBe(200);
});

test("a rate-limited mutation writes nothing", async () => {
  const api = system.apiWith({ rateLimit: { perUserPerMinute: 1, perIpPerMinute: 0 } });
  const user = await system.signUp();
  const create = 'mutation { createTask(input: { title: "once" }) { id } }';
  expect((await system.graphql(create, { token: user.token, api })).body.data?.createTask?.id).toBeDefined();
  expectRateLimited(await system.graphql(create, { token: user.token, api }));
  expect(await system.db.task.count({ where: { userId: user.id } })).toBe(1);
});

test("over real HTTP the address is the socket's: a client cannot pick its own with a header", async () => {
  const api = system.apiWith({ rateLimit: { perUserPerMinute: 0, perIpPerMinute: 3 } });
  const server = await listen(api, 0, "127.0.0.1");
  try {
    const { port } = server.address() as AddressInfo;
    const send = (spoofed: string) =>
      fetch(`http://127.0.0.1:${port}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", [CLIENT_IP_HEADER]: spoofed },
        body: JSON.stringify({ query: ME }),
      });
    for (let i = 0; i < 3; i += 1) expect((await send(anIp())).status).toBe(200);
    expect((await send(anIp())).status).toBe(429);
  } finally {
    await close(server);
  }
});
