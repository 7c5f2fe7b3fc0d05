// Better Auth's own limit on /two-factor/* per client IP (3 in 10 s, the twoFactor plugin's rateLimit), which
// every request of a browser test file shares: the browser's and the test's own. A test waits for room before
// each such request, so it is refused for what it checks and never for the pace.
//
// Better Auth's limiter is not a sliding window: it counts per IP and path, and the count starts again only once
// 10 s have passed since the LAST request let through (better-auth/dist/api/rate-limiter). So after three requests
// in a row, the fourth must wait 10 s after the third, not after the first. Counting every path together is
// stricter than the server, never looser.

const WINDOW_MS = 10_500; // the plugin's 10 s, and a little for the clocks
const MAX_IN_WINDOW = 3;

export function twoFactorBudget(): () => Promise<void> {
  let inARow = 0;
  let last = 0;
  /** Waits until one more /two-factor/* request fits, and counts it. */
  return async function roomForATwoFactorRequest(): Promise<void> {
    if (Date.now() - last >= WINDOW_MS) inARow = 0;
    if (inARow >= MAX_IN_WINDOW) {
      await new Promise((resolve) => setTimeout(resolve, last + WINDOW_MS - Date.now()));
      inARow = 0;
    }
    inARow += 1;
    last = Date.now();
  };
}
