import { expect, test } from "vitest";
import { describeCount } from "./task-count.ts";

test("counts under the cap are exact; the cap itself reads as 'or more'", () => {
  expect(describeCount(0)).toBe("0 tasks");
  expect(describeCount(1)).toBe("1 task");
  expect(describeCount(999)).toBe("999 tasks");
  expect(describeCount(1000)).toBe("1,000+ tasks");
});
