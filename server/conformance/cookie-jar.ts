// A browser's cookie jar, reduced to the Cookie header: the kit's users keep their sessions in it, and the
// server's own tests use the same one (test/support/test-system.ts), so both follow Set-Cookie alike.

/**
 * The Cookie header a browser holding `cookie` would send after this answer: each Set-Cookie replaces the
 * cookie of its name, and one that expires (Max-Age=0, or an empty value) removes it.
 */
export function cookiesAfter(cookie: string, answer: { headers: Headers }): string {
  const jar = new Map(
    cookie
      .split("; ")
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)] as const),
  );
  for (const line of answer.headers.getSetCookie()) {
    const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
    const name = pair.slice(0, pair.indexOf("="));
    const value = pair.slice(pair.indexOf("=") + 1);
    if (value === "" || attributes.some((attribute) => /^max-age=0$/i.test(attribute))) jar.delete(name);
    else jar.set(name, value);
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
}
