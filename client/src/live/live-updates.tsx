// The live stream of task changes as the screens use it. One subscription per signed-in session, held open
// while any signed-in screen is shown (graphql/live-exchange.ts keeps it open across tokens and outages).
// Screens apply what changed by refetching what they show: the document cache cannot edit a list in place,
// and a refetch is right about filters, search, order, counts and pages by construction.
import { createContext, useContext, useEffect, useMemo, useRef, useSyncExternalStore, type ReactNode } from "react";
import { useClient, type AnyVariables, type OperationContext, type TypedDocumentNode } from "urql";
import type { TaskEventsSubscription as TaskEventsResult } from "../gql/graphql.ts";
import { TaskEventsSubscription } from "../tasks/operations.ts";
import type { LiveState, LiveStatus } from "./live-status.ts";
import { refetchQuery } from "./refetch-query.ts";
import { singleFlight } from "./single-flight.ts";

export type TaskEvent = TaskEventsResult["taskEvents"];

/** A task changed, or the stream opened again after a gap in which changes may have been missed. */
export type LiveChange = { kind: "event"; event: TaskEvent } | { kind: "reopened" };

interface LiveUpdates {
  status: LiveStatus;
  subscribe(listener: (change: LiveChange) => void): () => void;
}

interface LiveHub extends LiveUpdates {
  emit(change: LiveChange): void;
}

function createLiveHub(status: LiveStatus): LiveHub {
  const listeners = new Set<(change: LiveChange) => void>();
  return {
    status,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(change) {
      for (const listener of [...listeners]) listener(change);
    },
  };
}

const LiveContext = createContext<LiveUpdates | null>(null);

export function LiveUpdatesProvider({ status, children }: { status: LiveStatus; children: ReactNode }) {
  const client = useClient();
  const live = useMemo(() => createLiveHub(status), [status]);

  useEffect(() => {
    const { unsubscribe } = client.subscription(TaskEventsSubscription, {}).subscribe((result) => {
      const event = result.data?.taskEvents;
      if (event) live.emit({ kind: "event", event });
    });
    return unsubscribe;
  }, [client, live]);

  useEffect(() => {
    let reopened = status.reopened;
    return status.subscribe(() => {
      if (status.reopened === reopened) return;
      reopened = status.reopened;
      live.emit({ kind: "reopened" });
    });
  }, [status, live]);

  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

function useLiveUpdates(): LiveUpdates {
  const live = useContext(LiveContext);
  if (!live) throw new Error("Live updates are only for signed-in screens.");
  return live;
}

export function useLiveState(): LiveState {
  const { status } = useLiveUpdates();
  return useSyncExternalStore(status.subscribe, () => status.state);
}

/**
 * Refetches a query the screen shows (the same operation as its useQuery, so the screen gets the result) when a
 * task it `concerns` changes, and when the stream opened again. One refetch at a time, each waiting for its own
 * answer; changes that arrive meanwhile are answered by one more (that answer includes them). So a change costs
 * at most one request per query shown, and a burst of them two.
 */
export function useLiveRefetch<Data, Variables extends AnyVariables>(
  query: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  options: { context?: Partial<OperationContext>; concerns?: (event: TaskEvent) => boolean } = {},
): void {
  const client = useClient();
  const live = useLiveUpdates();
  const latest = useRef({ query, variables, options });
  latest.current = { query, variables, options };

  useEffect(() => {
    const refetch = singleFlight((signal) => {
      const { query, variables, options } = latest.current;
      return refetchQuery(client, query, variables, options.context ?? {}, signal);
    });
    const stopListening = live.subscribe((change) => {
      const { concerns } = latest.current.options;
      if (change.kind === "event" && concerns && !concerns(change.event)) return;
      refetch.request();
    });
    return () => {
      stopListening();
      refetch.stop();
    };
  }, [client, live]);
}
