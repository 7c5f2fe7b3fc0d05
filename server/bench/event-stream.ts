// The one reader of `text/event-stream` bodies (GraphQL over SSE) for the live benchmark and the server's
// tests; it lives here because the benchmark may import no test code, and tests may import it.
// Not graphql-sse's client (the SPA's): that client turns every non-2xx answer into a network error
// without reading it, and the tests read the event stream of refused subscriptions (401, 429) and tell a
// `complete` from a cut connection. Framing as the HTML spec's event stream, minus `id` and `retry`.

/** One message of an event stream: an event and its data, or a comment (graphql-yoga's ping is a bare `:`). */
export type StreamMessage = { event: string; data: string } | { comment: string };

const LINE_END = /\r\n|\r|\n/;

/**
 * The messages of an event-stream body, in the order they arrive. Aborting `signal`, or leaving the loop
 * early, cancels the body: what a client going away does.
 */
export async function* readEventStream(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<StreamMessage> {
  const reader = body.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  if (signal?.aborted) cancel();
  else signal?.addEventListener("abort", cancel, { once: true });
  const decoder = new TextDecoder();
  let pending = "";
  let event = "";
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      pending += done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (let end = LINE_END.exec(pending); end; end = LINE_END.exec(pending)) {
        // A CR that ends the text so far may be the first half of a CRLF: wait for the next chunk.
        if (!done && end[0] === "\r" && end.index === pending.length - 1) break;
        const line = pending.slice(0, end.index);
        pending = pending.slice(end.index + end[0].length);
        if (line === "") {
          if (event !== "" || data.length > 0) yield { event: event || "message", data: data.join("\n") };
          event = "";
          data = [];
        } else if (line.startsWith(":")) {
          yield { comment: line.slice(1) };
        } else {
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + (line[colon + 1] === " " ? 2 : 1));
          if (field === "event") event = value;
          else if (field === "data") data.push(value);
        }
      }
      // A message the stream cut short is dropped, as the spec says.
      if (done) return;
    }
  } finally {
    signal?.removeEventListener("abort", cancel);
    cancel(); // nothing to do once the body has ended
  }
}
