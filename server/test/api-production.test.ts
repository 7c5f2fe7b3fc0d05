// The API's production posture: no introspection or GraphiQL unless configured, HSTS on every answer,
// no cross-origin caller unless listed; development keeps the explorer open.
import { afterAll, beforeAll, expect, test } from "vitest";
import { HSTS } from "../src/shared/hsts.ts";
import { sendGraphQL, SPA_ORIGIN, startTestSystem, type TestSystem } from "./support/test-system.ts";

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

const INTROSPECT = "{ __schema { queryType { name } } }";
const production = () => system.apiWith({ production: true, graphiql: false, introspection: undefined, corsOrigins: [] });

test("production refuses introspection; development allows it", async () => {
  const refused = await system.graphql(INTROSPECT, { api: production() });
  expect(refused.body.errors?.[0]?.message).toMatch(/introspection/i);
  expect(refused.body.data).toBeUndefined();
  expect((await system.graphql(INTROSPECT)).body).toEqual({ data: { __schema: { queryType: { name: "Query" } } } });
  const enabled = system.apiWith({ production: true, introspection: true });
  expect((await system.graphql(INTROSPECT, { api: enabled })).body.data?.__schema).toBeDefined();
});

test("production serves no GraphiQL page and sends HSTS on every answer", async () => {
  const api = production();
  const page = await api.fetch(new Request("http://api.test/graphql", { headers: { accept: "text/html" } }));
  expect(await page.text()).not.toContain("GraphiQL");
  expect(page.headers.get("strict-transport-security")).toBe(HSTS);
  // Nor its files: the development app serves them under /graphql/assets/.
  const asset = await api.fetch(new Request("http://api.test/graphql/assets/graphiql.js"));
  expect(asset.status).toBe(404);
  expect(asset.headers.get("content-type") ?? "").not.toContain("javascript");
  const user = await system.signUp();
  const answer = await system.graphql("{ me { id } }", { token: user.token, api });
  expect(answer.body.data?.me?.id).toBe(user.id);
  expect(answer.headers.get("strict-transport-security")).toBe(HSTS);
  const refused = await system.graphql("{ me { id } }", { token: "bad.token.here", api });
  expect(refused.status).toBe(401);
  expect(refused.headers.get("strict-transport-security")).toBe(HSTS);
  expect((await system.graphql("{ me { id } }")).headers.get("strict-transport-security")).toBeNull();
});

test("CORS: listed origins only, credentials never, only the headers the SPA needs", async () => {
  const preflight = (api: ReturnType<TestSystem["apiWith"]>, origin: string) =>
    api.fetch(
      new Request("http://api.test/graphql", {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
      }),
    );
  const allowed = await preflight(system.api, SPA_ORIGIN);
  expect(allowed.headers.get("access-control-allow-origin")).toBe(SPA_ORIGIN);
  expect(allowed.headers.get("access-control-allow-credentials")).not.toBe("true");
  expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toBe("authorization, content-type, dpop, traceparent");
  const stranger = await preflight(system.api, "https://evil.example");
  expect(stranger.headers.get("access-control-allow-origin")).not.toBe("https://evil.example");
  expect(stranger.headers.get("access-control-allow-origin")).not.toBe("*");
  const sameOriginOnly = await preflight(production(), SPA_ORIGIN);
  expect(sameOriginOnly.headers.get("access-control-allow-origin")).toBeNull();
  const response = await sendGraphQL(system.api, "http://api.test/graphql", {
    method: "POST",
    headers: { origin: SPA_ORIGIN, "content-type": "application/json" },
    body: JSON.stringify({ query: "{ me { id } }" }),
  });
  expect(response.headers.get("access-control-expose-headers")?.toLowerCase()).toBe("x-request-id, www-authenticate");
});
