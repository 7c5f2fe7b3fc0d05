// The one event-stream reader (bench/event-stream.ts), used by the live tests and the live benchmark: it
// frames messages however the bytes are split, and going away cancels the body.
import { describe, expect, test } from "vitest";
import { readEventStream, type StreamMessage } from "../bench/event-stream.ts";

/** A body that hands out `chunks` one read at a time, then ends (or stays open), and records a cancel. */
function body(chunks: (string | Uint8Array)[], options: { endsAfter?: boolean } = {}) {
  const state = { cancelled: false };
  const encoder = new TextEncoder();
  let next = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next < chunks.length) {
        const chunk = chunks[next++]!;
        controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      } else if (options.endsAfter ?? true) controller.close();
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

async function read(stream: ReadableStream<Uint8Array>): Promise<StreamMessage[]> {
  const messages: StreamMessage[] = [];
  for await (const message of readEventStream(stream)) messages.push(message);
  return messages;
}

// What graphql-yoga answers to a refused subscription (a ping, the error as `next`, then `complete`).
const REFUSAL = ':\n\nevent: next\ndata: {"errors":[{"message":"Invalid or expired token."}]}\n\nevent: complete\ndata:\n\n';
const REFUSAL_MESSAGES = [
  { comment: "" },
  { event: "next", data: '{"errors":[{"message":"Invalid or expired token."}]}' },
  { event: "complete", data: "" },
];

describe("framing", () => {
  test("a stream read in one chunk and the same stream split between every two bytes give the same messages", async () => {
    expect(await read(body([REFUSAL]).stream)).toEqual(REFUSAL_MESSAGES);
    const bytes = new TextEncoder().encode(REFUSAL);
    expect(await read(body([...bytes].map((byte) => Uint8Array.of(byte))).stream)).toEqual(REFUSAL_MESSAGES);
  });

  test("CRLF and CR end lines too, even a CRLF split across chunks; data lines join with a newline", async () => {
    const messages = await read(body(["event: next\r", "\ndata: first\r\ndata:second\rdata:  third\r\n\r", "\n"]).stream);
    expect(messages).toEqual([{ event: "next", data: "first\nsecond\n third" }]);
  });

  test("a character split across chunks arrives whole; an event with no name is a message", async () => {
    const bytes = new TextEncoder().encode("data: café ☕\n\n");
    expect(await read(body([bytes.slice(0, 10), bytes.slice(10, 15), bytes.slice(15)]).stream)).toEqual([
      { event: "message", data: "café ☕" },
    ]);
  });

  test("a message the stream cuts short is dropped", async () => {
    expect(await read(body(["event: next\ndata: 1\n\nevent: next\ndata: 2\n"]).stream)).toEqual([{ event: "next", data: "1" }]);
  });
});

describe("going away", () => {
  test("aborting the signal cancels the body and ends the messages", async () => {
    const { stream, state } = body([":\n\n"], { endsAfter: false });
    const controller = new AbortController();
    const messages: StreamMessage[] = [];
    for await (const message of readEventStream(stream, controller.signal)) {
      messages.push(message);
      controller.abort();
    }
    expect(messages).toEqual([{ comment: "" }]);
    expect(state.cancelled).toBe(true);
  });

  test("leaving the loop early cancels the body", async () => {
    const { stream, state } = body([REFUSAL], { endsAfter: false });
    for await (const message of readEventStream(stream)) if ("event" in message) break;
    expect(state.cancelled).toBe(true);
  });
});
