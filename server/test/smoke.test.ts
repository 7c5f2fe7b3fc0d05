import { afterAll, beforeAll, expect, test } from "vitest";
import { startTestSystem, type TestSystem } from "./support/test-system.ts";

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

test("a signed-up user reads themselves through the API", async () => {
  const user = await system.signUp("Ada");
  const response = await system.graphql("{ me { id name role } }", { token: user.token });
  expect(response.body).toEqual({ data: { me: { id: user.id, name: "Ada", role: "user" } } });
});
