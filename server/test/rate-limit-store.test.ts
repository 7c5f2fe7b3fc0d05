// The rate-limit store fails open when Redis is unreachable, and says so once per outage rather than at
// every one of ioredis's reconnection attempts (which would flood the log several times a second).
import { expect, test } from "vitest";
import { createRateLimitStore } from "../src/rate-limit/limiter.ts";
import { freePort } from "../src/net/free-port.ts";

test("an unreachable Redis is reported once, however many reconnection attempts and requests follow, and requests are allowed", async () => {
  const reports: unknown[] = [];
  const store = createRateLimitStore(`redis://127.0.0.1:${await freePort()}`, (error) => reports.push(error));
  try {
    for (let i = 0; i < 5; i += 1) {
      expect((await store.consume("test", { max: 1, windowSeconds: 60 }, "someone")).allowed).toBe(true);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // several reconnection attempts
    expect(reports).toHaveLength(1);
  } finally {
    await store.close();
  }
});
