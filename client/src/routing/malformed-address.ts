/** An address whose percent-escapes do not decode (`/tasks/%E0%A4%A`): it names no page of the app. */
export function isMalformedAddress(pathname: string): boolean {
  return decodedOrNull(pathname) === null;
}

// The decoded value is returned, not dropped: a minifier may remove a call to decodeURIComponent whose result is unused.
function decodedOrNull(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}
