// A session's browser and system in words ("Chrome on Windows"), read from the user agent it signed in with.
// User agents are too varied to read by hand; bowser (MIT, no dependencies) keeps up with them.
import Bowser from "bowser";

export const UNKNOWN_DEVICE = "Unknown browser";

export function describeDevice(userAgent: string | null | undefined): string {
  if (!userAgent?.trim()) return UNKNOWN_DEVICE;
  const { browser, os } = Bowser.parse(userAgent);
  const name = browser.name || UNKNOWN_DEVICE;
  return os.name ? `${name} on ${os.name}` : name;
}
