// Runs one refetch at a time. Changes that arrive while one runs are answered by exactly one more, however many
// they are, so a burst of changes costs two requests, not one per change, and a refetch never overlaps itself.

export interface SingleFlight {
  /** Run now, or once more after the current run if one is under way. */
  request(): void;
  /** No run after this one (the screen is gone); the current run is told through its signal. */
  stop(): void;
}

/** `run` says "failed" when its answer was an error: the chain ends there (the screen offers Retry; the next change tries again). */
export function singleFlight(run: (signal: AbortSignal) => Promise<"answered" | "failed" | "stopped">): SingleFlight {
  const stopped = new AbortController();
  let running = false;
  let again = false;
  return {
    request() {
      if (stopped.signal.aborted) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      void (async () => {
        try {
          do {
            again = false;
            if ((await run(stopped.signal)) !== "answered") break;
          } while (again && !stopped.signal.aborted);
        } finally {
          running = false;
        }
      })();
    },
    stop() {
      stopped.abort();
    },
  };
}
