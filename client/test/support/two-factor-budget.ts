// Better Auth's own limit on /two-factor/* per client IP (3 in 10 s, the twoFactor plugin's rateLimit), which
// every request of a browser test file shares: the browser's and the test's own. A test waits for room before
// each such request, so it is refused for what it checks and never for the pace.

const WINDOW_MS = 10_500; // the plugin's 10 s, and a little for the clocks
const MAX_IN_WINDOW = 3;

export function twoFactorBudget(): () => Promise<void> {
  const sent: number[] = [];
  /** Waits until one more /two-factor/* request fits, and counts it. */
  return async function roomForATwoFactorRequest(): Promise<void> {
    const recent = sent.filter((at) => Date.now() - at < WINDOW_MS);
    if (recent.length >= MAX_IN_WINDOW) {
      const wait = (recent[recent.length - MAX_IN_WINDOW] ?? 0) + WINDOW_MS - Date.now();
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    sent.push(Date.now());
  };
}
