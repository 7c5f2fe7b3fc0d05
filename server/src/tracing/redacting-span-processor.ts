// The last wall before a span leaves the process. The instrumentations record URLs (a verification link's
// token is in its query string, a reset link's in its path), and error messages recorded as exception events
// may quote what a user typed; neither belongs in a tracing backend. A URL keeps its origin and its route
// class (route-class.ts), nothing more. Tokens, cookies and passwords are never put on a span by this
// project's code (test/tracing.test.ts reads every attribute and event to make sure).
import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-node";
import { routeClass } from "./route-class.ts";

/** Attributes holding a whole URL, and a path (with its query string), in the old and stable HTTP conventions. */
const URL_ATTRIBUTES = ["http.url", "url.full"];
const PATH_ATTRIBUTES = ["http.target", "url.path"];
const DROPPED_ATTRIBUTES = ["url.query", "http.request.header.referer"];
const EMAIL = /[^\s@"'<>()[\]{},;:]+@[^\s@"'<>()[\]{},;:]+\.[a-z]{2,}/gi;

export class RedactingSpanProcessor implements SpanProcessor {
  onStart(_span: Span, _parentContext: Context): void {}

  /** Called while the span can still be changed, before any exporter sees it. */
  onEnding(span: Span): void {
    const attributes = span.attributes as Record<string, unknown>;
    for (const key of URL_ATTRIBUTES) {
      const value = attributes[key];
      if (typeof value === "string") attributes[key] = routeUrl(value);
    }
    for (const key of PATH_ATTRIBUTES) {
      const value = attributes[key];
      if (typeof value === "string") attributes[key] = routeClass(value);
    }
    for (const key of DROPPED_ATTRIBUTES) delete attributes[key];
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

function routeUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.origin}${routeClass(url.pathname)}`;
  } catch {
    return "[url]";
  }
}

function maskEmails(attributes: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === "string" && value.includes("@")) attributes[key] = value.replace(EMAIL, "[email]");
  }
}
