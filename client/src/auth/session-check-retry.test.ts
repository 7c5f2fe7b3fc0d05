import { expect, test } from "vitest";
import { sessionCheckRetryDelay } from "./session-check-retry.ts";

test("a failed session check is tried again after 0.5, 1, 2, 4, 8, then every 10 s at most, each between half and all of it", () => {
  const ceilings = [1, 2, 3, 4, 5, 6, 12].map((failures) => sessionCheckRetryDelay(failures, () => 1));
  expect(ceilings).toEqual([500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  expect(sessionCheckRetryDelay(3, () => 0)).toBe(1_000);
});
