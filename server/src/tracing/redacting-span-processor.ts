// The last wall before a span leaves the process. The instrumentations record URLs (query strings carry
// verification and reset tokens), and error messages recorded as exception events may quote what a user
// typed; neither belongs in a tracing backend. Tokens, cookies and passwords are never put on a span by this
// project's code (test/tracing.test.ts reads every attribute and event to make sure).
import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-node";

/** Attributes holding a URL or a path with its query string (old and stable HTTP semantic conventions). */
const URL_ATTRIBUTES = ["http.url", "http.target", "url.full", "http.request.header.referer"];
const QUERY_ATTRIBUTES = ["url.query"];
const EMAIL = /[^\s@"'<>()[\]{},;:]+@[^\s@"'<>()[\]{},;:]+\.[a-z]{2,}/gi;

export class RedactingSpanProcessor implements SpanProcessor {
  onStart(_span: Span, _parentContext: Context): void {}

  /** Called while the span can still be changed, before any exporter sees it. */
  onEnding(span: Span): void {
    const attributes = span.attributes as Record<string, unknown>;
    for (const key of URL_ATTRIBUTES) {
      const value = attributes[key];
      if (typeof value === "string" && value.includes("?")) attributes[key] = value.slice(0, value.indexOf("?"));
    }
    for (const key of QUERY_ATTRIBUTES) delete attributes[key];
    maskEmails(attributes);
    for (const event of span.events) if (event.attributes) maskEmails(event.attributes as Record<string, unknown>);
    if (span.status.message) span.status.message = span.status.message.replace(EMAIL, "[email]");
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function maskEmails(attributes: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === "string" && value.includes("@")) attributes[key] = value.replace(EMAIL, "[email]");
  }
}
