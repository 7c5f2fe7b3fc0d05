// One user action, one trace: every request the SPA makes to /graphql and /api/auth carries a W3C
// traceparent (https://www.w3.org/TR/trace-context/) whose trace id changes with each click or form
// submission, so the services' spans for what a user did share one trace id. No tracing SDK in the
// browser: the services make the spans (when OTEL_EXPORTER_OTLP_ENDPOINT is set), and a header is all a
// browser needs to tie them together. The ids are random and say nothing about the user.

let currentTraceId = randomHex(16);

/** A new trace for what the user does next. */
export function startUserAction(): void {
  currentTraceId = randomHex(16);
}

/** Starts a new trace at each click and form submission in `target` (the document), before the app's handlers run. */
export function followUserActions(target: EventTarget): () => void {
  const events = ["click", "submit"];
  for (const type of events) target.addEventListener(type, startUserAction, { capture: true });
  return () => {
    for (const type of events) target.removeEventListener(type, startUserAction, { capture: true });
  };
}

/** The traceparent of one request in the current action: the action's trace id, a span id of its own, sampled. */
export function traceparent(): string {
  return `00-${currentTraceId}-${randomHex(8)}-01`;
}

/** `fetch` with the current action's traceparent added to every request. */
export function withTraceparent(fetchFn: typeof fetch): typeof fetch {
  return (input, init) => {
    // A Request's own headers are kept when init gives none (init's headers would replace them).
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set("traceparent", traceparent());
    return fetchFn(input, { ...init, headers });
  };
}

function randomHex(bytes: number): string {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  // All zeros is the one invalid id; a retry is a one in 2^64 event.
  if (values.every((value) => value === 0)) return randomHex(bytes);
  return Array.from(values, (value) => value.toString(16).padStart(2, "0")).join("");
}
