import { describe, expect, test } from "vitest";
import { describeDevice } from "./device-name.ts";

describe("a session's device in words", () => {
  test.each([
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
      "Chrome on Windows",
    ],
    [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
      "Safari on iOS",
    ],
    ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on macOS"],
    ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36", "Chrome on Linux"],
    [
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
      "Chrome on Android",
    ],
  ])("%s reads as %s", (userAgent, expected) => {
    expect(describeDevice(userAgent)).toBe(expected);
  });

  test("no user agent, or one that names no browser, reads as an unknown browser", () => {
    expect(describeDevice(null)).toBe("Unknown browser");
    expect(describeDevice("")).toBe("Unknown browser");
    expect(describeDevice("curl/8.5.0")).toBe("Unknown browser");
  });
});
