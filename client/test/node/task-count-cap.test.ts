// The SPA writes "1,000+ tasks" at its TOTAL_COUNT_MAX: that must be the cap the API states.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { TOTAL_COUNT_MAX } from "../../src/tasks/task-count.ts";
import { clientDir } from "../support/build-spa.ts";

test("the SPA's count cap is the one the API's schema states for totalCount", () => {
  const sdl = readFileSync(path.join(clientDir, "..", "server", "schema.graphql"), "utf8");
  const stated = sdl.match(/How many tasks match, counted up to ([\d,]+)/)?.[1];
  expect(stated?.replace(/,/g, "")).toBe(String(TOTAL_COUNT_MAX));
});
