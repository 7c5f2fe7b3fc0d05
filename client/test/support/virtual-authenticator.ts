// Chromium's DevTools-protocol virtual authenticator, standing in for a phone or a security key in the browser
// tests: CTAP2, internal (a platform authenticator), resident keys, user verification on.
import type { Page } from "playwright-core";

/** A platform authenticator with user verification, attached to `page` (it lives as long as the page). */
export async function addVirtualAuthenticator(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
}
