// A GraphQL-over-SSE subscriber for tests: opens a subscription with a bearer token and collects what the
// server streams (`next` results, the `complete` event), as graphql-sse's client in distinct connections
// mode would see it, and also what that client does not read: the event stream of a refused subscription.
// The framing is read by bench/event-stream.ts, the reader the live benchmark uses too.
import { readEventStream } from "../../bench/event-stream.ts";
import type { ApiApp } from "../../src/api/app.ts";

export interface SseResult {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface LiveSubscription {
  status: number;
  contentType: string;
  /** Every `next` result so far. */
  results: SseResult[];
  /** Resolves when the server sent `complete` or closed the stream. */
  ended: Promise<"complete" | "closed">;
  /** Starts reading a stream opened with `{ paused: true }`. */
  resume(): void;
  /** Waits until at least `count` results have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<SseResult[]>;
  close(): void;
}

export const TASK_EVENTS = "subscription { taskEvents { kind taskId task { id title completed } } }";

/** Opens a subscription on an in-process app (`api`) or over HTTP (`url`). */
export async function subscribe(
  target: { api: ApiApp } | { url: string },
  token: string | undefined,
  query = TASK_EVENTS,
  options: { paused?: boolean } = {},
): Promise<LiveSubscription> {
  const controller = new AbortController();
  const init: RequestInit = {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  };
  const response = "api" in target ? await target.api.fetch(new Request("http://api.test/graphql", init)) : await fetch(target.url, init);
  const results: SseResult[] = [];
  const waiters = new Set<() => void>();
  let resume = () => {};
  const resumed = options.paused ? new Promise<void>((resolve) => (resume = resolve)) : Promise.resolve();
  const ended = (async (): Promise<"complete" | "closed"> => {
    await resumed;
    if (!response.body) return "closed";
    try {
      for await (const message of readEventStream(response.body, controller.signal)) {
        if (!("event" in message)) continue;
        if (message.event === "complete") return "complete";
        if (message.event === "next") {
          results.push(JSON.parse(message.data) as SseResult);
          for (const wake of waiters) wake();
        }
      }
      return "closed";
    } catch {
      return "closed";
    } finally {
      for (const wake of waiters) wake();
    }
  })();
  let finished = false;
  void ended.then(() => (finished = true));
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    results,
    ended,
    resume: () => resume(),
    async waitFor(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (results.length < count) {
        if (finished) throw new Error(`stream ended after ${results.length} of ${count} results`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`only ${results.length} of ${count} results within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, left);
          waiters.add(wake);
        });
      }
      return results;
    },
    // As a client going away: the connection aborts and the body is cancelled (what a closed socket does),
    // a paused stream included.
    close: () => {
      controller.abort();
      resume();
    },
  };
}
