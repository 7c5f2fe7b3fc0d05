// A GraphQL-over-SSE subscriber for the live benchmark: opens `taskEvents` with a bearer token and calls
// back with each event's task title and the moment it arrived.
import { readEventStream } from "./event-stream.ts";

export interface Subscriber {
  /** Resolves once the server accepted the stream (HTTP 200 and its first ping). */
  opened: Promise<void>;
  /** Resolves when the stream ended, however (the server completed it, an error, or close()). */
  ended: Promise<void>;
  close(): void;
}

const QUERY = "subscription LiveBench { taskEvents { kind taskId task { title } } }";

export function openSubscriber(url: string, token: string, onEvent: (title: string, receivedAt: number) => void): Subscriber {
  const controller = new AbortController();
  let markOpened = () => {};
  let failOpen: (error: Error) => void = () => {};
  const opened = new Promise<void>((resolve, reject) => {
    markOpened = resolve;
    failOpen = reject;
  });
  const ended = (async () => {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: QUERY }),
        signal: controller.signal,
      });
      if (response.status !== 200 || !response.body) throw new Error(`subscription answered HTTP ${response.status}`);
      for await (const message of readEventStream(response.body, controller.signal)) {
        const receivedAt = performance.now();
        if ("comment" in message) {
          markOpened(); // Yoga's ping, sent first
          continue;
        }
        if (message.event !== "next") continue;
        const title = (JSON.parse(message.data) as { data?: { taskEvents?: { task?: { title?: string } } } }).data?.taskEvents?.task?.title;
        if (title) onEvent(title, receivedAt);
      }
    } catch (error) {
      if (!controller.signal.aborted) failOpen(error instanceof Error ? error : new Error(String(error)));
    }
  })();
  return { opened, ended, close: () => controller.abort() };
}
