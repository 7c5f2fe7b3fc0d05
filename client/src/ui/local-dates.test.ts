import { describe, expect, test } from "vitest";
import { formatDay, formatMoment } from "./local-dates.ts";

// Local dates (the constructor takes local time), so the expectations hold in any time zone.
const now = new Date(2026, 2, 12, 15, 0); // Thursday, March 12, 2026, 3:00 PM

describe("moments in the reader's own time", () => {
  test("today and yesterday by name, with the time", () => {
    expect(formatMoment(new Date(2026, 2, 12, 9, 5), now, "en-US")).toBe("Today at 9:05 AM");
    expect(formatMoment(new Date(2026, 2, 11, 23, 59), now, "en-US")).toBe("Yesterday at 11:59 PM");
  });

  test("earlier days as the task list writes them, the year only when it is another one", () => {
    expect(formatMoment(new Date(2026, 2, 2, 14, 30), now, "en-US")).toBe("Mon, Mar 2 at 2:30 PM");
    expect(formatMoment(new Date(2025, 11, 31, 8, 0), now, "en-US")).toBe("Wed, Dec 31, 2025 at 8:00 AM");
    expect(formatDay(new Date(2026, 2, 2), now, "en-US")).toBe("Mon, Mar 2");
  });
});
