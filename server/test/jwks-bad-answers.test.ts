// A JWKS endpoint that answers 200 with something that is not a usable key set (a misconfigured proxy's
// `{}`, a maintenance page, an endless body) is an outage like any other: the last good keys stay usable
// only for API_JWKS_STALE_MAX_AGE_MS after the last fetch jose accepted, then the API answers 503. And the
// body is read only up to 64 KB. A real HTTP server stands in front of the real JWKS and switches answers.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, expect, test } from "vitest";
import { MAX_JWKS_BYTES } from "../src/token-verification/key-set.ts";
import { freePort } from "../src/net/free-port.ts";
import { goodClaims, now } from "./support/token-forgery.ts";
import { startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

const ME = "{ me { id } }";
const STALE_MAX_AGE_MS = 1_000;

let system: TestSystem;
let user: TestUser;
let server: Server;
let jwksUrl: string;
let answer: "real" | "empty-object" | "oversized";
let requests = 0;

beforeAll(async () => {
  system = await startTestSystem();
  user = await system.signUp();
  const port = await freePort();
  server = createServer(async (_request, response) => {
    requests += 1;
    const real = await (await system.authFetch("/api/auth/jwks")).text();
    response.setHeader("content-type", "application/json");
    if (answer === "real") response.end(real);
    else if (answer === "empty-object") response.end("{}");
    else {
      // A usable key set padded past the cap, streamed without a content-length.
      response.write(`{"keys":${JSON.stringify(JSON.parse(real).keys)},"padding":"`);
      response.write("x".repeat(MAX_JWKS_BYTES));
      response.end(`"}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  jwksUrl = `http://127.0.0.1:${port}/api/auth/jwks`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await system.close();
});

let unique = 0;
/** A valid token this API instance has never verified (so its keys, not its cache, decide). */
function unseenToken(): Promise<string> {
  unique += 1;
  return system.signWithAuthKeys(goodClaims(user, { exp: now() + 600 + unique }));
}

for (const badAnswer of ["empty-object", "oversized"] as const) {
  test(`a JWKS answering 200 with ${badAnswer === "empty-object" ? "{}" : "a body over 64 KB"} keeps the last keys only for the stale period, then 503`, async () => {
    answer = "real";
    // cacheMaxAge 1 ms: every verification tries to refresh, so each bad answer is felt at once.
    const api = system.apiWith({
      keys: {
        kind: "remote-jwks",
        url: jwksUrl,
        timeoutMs: 500,
        cooldownMs: 30_000,
        cacheMaxAgeMs: 1,
        staleMaxAgeMs: STALE_MAX_AGE_MS,
        retryAfterMs: 50,
      },
    });
    expect((await system.graphql(ME, { token: await unseenToken(), api })).status).toBe(200);

    answer = badAnswer;
    const fetchesBefore = requests;
    // Within the stale period: the last good keys carry valid tokens through the bad answers.
    expect((await system.graphql(ME, { token: await unseenToken(), api })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await system.graphql(ME, { token: await unseenToken(), api })).status).toBe(200);
    expect(requests).toBeGreaterThan(fetchesBefore); // the bad answers were really fetched

    await new Promise((resolve) => setTimeout(resolve, STALE_MAX_AGE_MS + 100));
    const refused = await system.graphql(ME, { token: await unseenToken(), api });
    expect(refused.status).toBe(503);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("AUTH_UNAVAILABLE");

    // The real key set again: accepted, no restart.
    answer = "real";
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await system.graphql(ME, { token: await unseenToken(), api })).status).toBe(200);
  });
}
