// A live stream with ends of its own: it completes when the token that opened it expires, as soon as
// that token stops being valid (its session revoked, its user banned, the revocation list no longer
// current), and when its consumer falls too far behind (a bounded buffer, never unbounded memory).
// Completing sends the SSE `complete` event and closes the connection; the client reconnects with a
// fresh token if its session still exists.
export interface StreamBounds {
  /** Epoch ms: the token's exp. */
  endsAt: number;
  /** False once the token that opened the stream may no longer be used. */
  stillAllowed(): boolean;
  /** Calls `listener` whenever access may have changed (a revocation arrived); returns an unsubscribe. */
  onAccessChange(listener: () => void): () => void;
  /** Events held for a consumer that does not read, beyond which the stream is dropped. */
  maxBuffered: number;
  /** Called once when the stream ends, however it ends. */
  onEnd(reason: StreamEndReason): void;
}

export type StreamEndReason = "expired" | "revoked" | "slow-consumer" | "closed";

/** How often a stream re-checks its access even without a revocation event (the list may go stale). */
const ACCESS_CHECK_INTERVAL_MS = 1_000;
/** setTimeout's largest delay; a longer-lived token is re-armed. */
const MAX_TIMER_MS = 2_147_483_647;

export function boundedStream<T>(source: AsyncIterableIterator<T>, bounds: StreamBounds): AsyncIterableIterator<T> {
  const buffer: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | undefined;
  let finished = false;

  const finish = (reason: StreamEndReason) => {
    if (finished) return;
    finished = true;
    clearTimeout(expiry);
    clearInterval(accessCheck);
    stopWatching();
    void source.return?.();
    if (reason === "slow-consumer") buffer.length = 0;
    waiting?.({ done: true, value: undefined });
    waiting = undefined;
    bounds.onEnd(reason);
  };
  const checkAccess = () => {
    if (!bounds.stillAllowed()) finish("revoked");
  };

  let expiry: NodeJS.Timeout | undefined;
  const armExpiry = () => {
    const left = bounds.endsAt - Date.now();
    if (left <= 0) return finish("expired");
    expiry = setTimeout(left > MAX_TIMER_MS ? armExpiry : () => finish("expired"), Math.min(left, MAX_TIMER_MS));
  };
  armExpiry();
  const accessCheck = setInterval(checkAccess, ACCESS_CHECK_INTERVAL_MS);
  const stopWatching = bounds.onAccessChange(checkAccess);

  // Take events from the source as they come, so a consumer that does not read shows as a growing buffer.
  void (async () => {
    try {
      for (;;) {
        const result = await source.next();
        if (result.done || finished) break;
        if (waiting) {
          const resolve = waiting;
          waiting = undefined;
          resolve({ done: false, value: result.value });
        } else {
          buffer.push(result.value);
          if (buffer.length > bounds.maxBuffered) finish("slow-consumer");
        }
      }
    } finally {
      finish("closed");
    }
  })();

  return {
    next() {
      if (buffer.length > 0) return Promise.resolve({ done: false, value: buffer.shift() as T });
      if (finished) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => (waiting = resolve));
    },
    return() {
      finish("closed");
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
