// Once per test run: Debian's chromium must be there (`npx playwright install` cannot download a browser
// on these machines). As root it is installed with apt, as CI does; otherwise the run stops and says how.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";

export default function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `The browser tests need Debian's chromium at ${CHROMIUM}, and only root can install it.\n` +
        "  Install it, then run the tests again:  sudo apt-get update && sudo apt-get install -y chromium",
    );
  }
  console.log(
    `${CHROMIUM} is missing: installing Debian's chromium for the browser tests (apt-get update && apt-get install -y chromium).`,
  );
  execFileSync("sh", ["-c", "apt-get update && apt-get install -y chromium"], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get finished but ${CHROMIUM} is still missing.`);
}
