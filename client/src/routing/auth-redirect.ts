/** Where to go after signing in: only a page of this app (never another site). */
export function safeNext(value: string | null): string {
  // The app never writes a tab, newline or backslash into `next`, and the URL parser drops or rewrites them:
  // "/\t/evil.example" and "/\\evil.example" both mean //evil.example.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (!value?.startsWith("/") || /[\u0000-\u001f\u007f\\]/.test(value)) return "/";
  try {
    return new URL(value, window.location.origin).origin === window.location.origin ? value : "/";
  } catch {
    return "/";
  }
}
