// Whether the live stream of task changes is open right now, for the header's indicator, and how often it
// opened again after being down (each time, what is on screen may have missed changes: it is refetched).

/** "connecting": never open yet in this session; "live": open; "reconnecting": it was lost or never came up. */
export type LiveState = "connecting" | "live" | "reconnecting";

export interface LiveStatus {
  readonly state: LiveState;
  /** How many times the stream opened after it had been down (not counting the first open). */
  readonly reopened: number;
  /** The stream is open (graphql-sse says connected). */
  opened(): void;
  /** The stream ended or could not be opened; a new attempt follows. */
  closed(): void;
  /** Calls `listener` on every change; returns an unsubscribe. */
  subscribe(listener: () => void): () => void;
}

export function createLiveStatus(): LiveStatus {
  let state: LiveState = "connecting";
  let reopened = 0;
  const listeners = new Set<() => void>();
  const set = (next: LiveState) => {
    if (next === state) return;
    if (next === "live" && state === "reconnecting") reopened += 1;
    state = next;
    for (const listener of [...listeners]) listener();
  };
  return {
    get state() {
      return state;
    },
    get reopened() {
      return reopened;
    },
    opened: () => set("live"),
    closed: () => set("reconnecting"),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
