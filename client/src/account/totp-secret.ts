// The authenticator app's secret as a person types it in: for a phone that cannot scan the QR code, or an app on
// the same computer. It is the `secret` of the otpauth:// URI the auth service answers (base32).

/** The base32 secret in `totpURI`, or null when the URI carries none. */
export function secretFromTotpUri(totpURI: string): string | null {
  try {
    return new URL(totpURI).searchParams.get("secret") || null;
  } catch {
    return null;
  }
}

/** In groups of four, easier to read and to check; authenticator apps ignore the spaces. */
export function groupedForReading(secret: string): string {
  return (
    secret
      .replace(/=+$/, "")
      .match(/.{1,4}/g)
      ?.join(" ") ?? ""
  );
}
