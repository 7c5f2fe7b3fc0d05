// What every over-budget answer from the API looks like, shared by the memory- and Redis-store tests.
import { expect } from "vitest";
import type { GraphQLResponse } from "./test-system.ts";

export function expectRateLimited(response: GraphQLResponse) {
  expect(response.status).toBe(429);
  expect(response.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
  expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
  expect("data" in response.body).toBe(false);
}
