// What an HTTP server span is named after: the route, never the raw path. A path can carry a reset
// token (/api/auth/reset-password/<token>) or an id, and every distinct name is a new series in a tracing
// backend; the query string is never looked at (verification links carry their token there).

/** Paths the services answer whose every segment is a fixed word. */
const WORD = /^[a-z]+(?:-[a-z]+)*$/;
const MAX_WORD_LENGTH = 40;
const MAX_SEGMENTS = 5;
/** Better Auth's one route with a secret in the path itself. */
const SECRET_AFTER = new Set(["reset-password"]);

export function routeClass(url: string | undefined): string {
  const path = (url ?? "/").split(/[?#]/, 1)[0] ?? "/";
  const segments = path
    .split("/")
    .filter(Boolean)
    .slice(0, MAX_SEGMENTS + 1);
  const route: string[] = [];
  for (const [index, segment] of segments.entries()) {
    if (index === MAX_SEGMENTS) {
      route.push("*");
      break;
    }
    const previous = route[route.length - 1];
    if (previous !== undefined && SECRET_AFTER.has(previous)) route.push(":token");
    else route.push(WORD.test(segment) && segment.length <= MAX_WORD_LENGTH ? segment : ":param");
  }
  return `/${route.join("/")}`;
}
