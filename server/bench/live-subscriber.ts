// A GraphQL-over-SSE subscriber for the live benchmark: opens `taskEvents` with a bearer token and calls
// back with each event's task title and the moment it arrived.
export interface Subscriber {
  /** Resolves once the server accepted the stream (HTTP 200 and its first ping). */
  opened: Promise<void>;
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
  void (async () => {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: QUERY }),
        signal: controller.signal,
      });
      if (response.status !== 200 || !response.body) throw new Error(`subscription answered HTTP ${response.status}`);
      const decoder = new TextDecoder();
      let pending = "";
      for await (const chunk of response.body) {
        const receivedAt = performance.now();
        pending += decoder.decode(chunk, { stream: true });
        for (let boundary = pending.indexOf("\n\n"); boundary >= 0; boundary = pending.indexOf("\n\n")) {
          const message = pending.slice(0, boundary);
          pending = pending.slice(boundary + 2);
          if (message.startsWith(":")) markOpened(); // Yoga's ping, sent first
          const data = /^data: (.+)$/m.exec(message)?.[1];
          if (!data) continue;
          const title = (JSON.parse(data) as { data?: { taskEvents?: { task?: { title?: string } } } }).data?.taskEvents?.task?.title;
          if (title) onEvent(title, receivedAt);
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) failOpen(error instanceof Error ? error : new Error(String(error)));
    }
  })();
  return { opened, close: () => controller.abort() };
}
