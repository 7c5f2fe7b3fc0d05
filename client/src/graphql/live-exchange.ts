// Subscriptions (the live stream of task changes) over GraphQL SSE with graphql-sse's client in distinct
// connections mode: a POST to /graphql with Accept: text/event-stream per stream, the token from the same token
// store as every other request (with its DPoP proof when it is bound: auth/request-authorization.ts), and no cookie. One urql subscription stays open for as long as
// it is wanted, across connections:
// - the server completes a stream at its token's expiry or when its session is revoked: reconnect at once
//   with the store's fresh token (renewed if close to expiry);
// - a 401 renews the token once and reconnects at once; a second 401 in a row waits like any failure;
// - renewal finding the session gone is the app's session-ended path (the same as the auth exchange's);
// - anything else (no network, a 5xx, a refusal in the stream, a stream cut) waits 1, 2, 4 ... up to 30 s
//   with jitter, and coming back online cuts the wait short;
// - a connection that goes quiet is dropped: the API sends a comment every 12 s (graphql-yoga's SSE ping),
//   so 45 s of silence means it is gone without a word (a sleeping laptop, a changed network), and the
//   browser's offline event drops it at once.
import { subscriptionExchange, type Exchange } from "@urql/core";
import { createClient, NetworkError, type ExecutionResult, type RequestParams } from "graphql-sse";
import { authorizingFetch } from "../auth/request-authorization.ts";
import { type IssuedToken, SessionEndedError, type TokenStore } from "../auth/token-store.ts";
import type { LiveStatus } from "../live/live-status.ts";

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;
/** A stream open this long (or one that delivered an event) was healthy: its end starts the backoff afresh. */
const HEALTHY_AFTER_MS = 10_000;
/** No byte for this long (pings included) and the connection is taken for dead. */
const SILENCE_MS = 45_000;

/** Wait before the nth failed attempt in a row is retried: 1, 2, 4 ... 30 s, each between half and all of it. */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

export interface LiveExchangeOptions {
  tokens: TokenStore;
  onSessionEnded: (error: SessionEndedError) => void;
  status: LiveStatus;
  url: string;
  fetch?: typeof fetch;
  /** For tests: the wait before the nth failed attempt in a row is retried. */
  retryDelay?: (attempt: number) => number;
  /** For tests: how long a connection may stay silent. */
  silenceMs?: number;
  now?: () => number;
}

/** How one connection ended. */
type Outcome =
  | { kind: "completed"; opened: boolean; healthy: boolean }
  | { kind: "refused"; opened: false; healthy: false }
  | { kind: "failed"; opened: boolean; healthy: boolean };

export function liveExchange(options: LiveExchangeOptions): Exchange {
  const { tokens, onSessionEnded, status, url, now = Date.now } = options;
  const delayFor = options.retryDelay ?? retryDelay;
  const silenceMs = options.silenceMs ?? SILENCE_MS;
  // Looked up at call time, so a test's stubbed fetch is the one used.
  const fetchFn = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  function keepOpen(request: RequestParams, sink: { next(result: ExecutionResult): void }): () => void {
    let stopped = false;
    let dropConnection: (() => void) | null = null;
    let endWait: (() => void) | null = null;

    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          endWait = null;
          resolve();
        };
        const timer = setTimeout(done, ms);
        endWait = done;
      });

    // The browser knows before any timeout does: offline means this stream receives nothing.
    const onOffline = () => dropConnection?.();
    const onOnline = () => endWait?.();
    globalThis.addEventListener?.("offline", onOffline);
    globalThis.addEventListener?.("online", onOnline);

    function connect(token: IssuedToken): Promise<Outcome> {
      return new Promise((resolve) => {
        let openedAt: number | null = null;
        let delivered = false;
        let refusedInStream = false;
        const healthy = () => !refusedInStream && (delivered || (openedAt !== null && now() - openedAt >= HEALTHY_AFTER_MS));
        let settled = false;
        let silence: ReturnType<typeof setTimeout> | undefined;
        const settle = (outcome: Outcome) => {
          if (settled) return;
          settled = true;
          clearTimeout(silence);
          dropConnection = null;
          resolve(outcome);
        };
        const heard = () => {
          clearTimeout(silence);
          silence = setTimeout(() => dropConnection?.(), silenceMs);
        };
        // graphql-sse does not surface the pings: count every chunk of the body as a sign of life.
        const sendWithToken = authorizingFetch(fetchFn, () => token);
        const watchedFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
          const response = await sendWithToken(input, init);
          if (!response.ok || !response.body) return response;
          heard();
          const body = response.body.pipeThrough(
            new TransformStream<Uint8Array, Uint8Array>({
              transform(chunk, controller) {
                heard();
                controller.enqueue(chunk);
              },
            }),
          );
          return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
        };
        const client = createClient({
          url,
          singleConnection: false,
          credentials: "omit",
          retryAttempts: 0,
          fetchFn: watchedFetch,
        });
        const dispose = client.subscribe<Record<string, unknown>, Record<string, unknown>>(
          request,
          {
            next(result) {
              // An answer of errors alone (too many streams, auth briefly unavailable) is a refusal, not an event.
              if (result.errors?.length && !result.data) {
                refusedInStream = true;
                return;
              }
              delivered = true;
              sink.next(result);
            },
            error(error) {
              const refused = error instanceof NetworkError && (error.response as Response | undefined)?.status === 401;
              settle(
                refused
                  ? { kind: "refused", opened: false, healthy: false }
                  : { kind: "failed", opened: openedAt !== null, healthy: healthy() },
              );
            },
            complete() {
              const opened = openedAt !== null;
              settle(refusedInStream ? { kind: "failed", opened, healthy: false } : { kind: "completed", opened, healthy: healthy() });
            },
          },
          {
            connected() {
              openedAt = now();
              status.opened();
            },
          },
        );
        dropConnection = () => {
          settle({ kind: "failed", opened: openedAt !== null, healthy: healthy() });
          dispose();
        };
        heard(); // a request that hangs without an answer is silent too
      });
    }

    void (async () => {
      let failures = 0; // attempts in a row that did not give a healthy stream
      let renew = false; // the last attempt was refused: renew the token before the next
      let refusedSinceOpen = false;
      while (!stopped) {
        let token: IssuedToken;
        try {
          token = renew ? await tokens.renew() : await tokens.fresh();
        } catch (error) {
          if (stopped) return;
          if (error instanceof SessionEndedError) return onSessionEnded(error);
          failures += 1; // the auth service could not be reached: the session may well be fine
          await pause(delayFor(failures));
          continue;
        }
        if (stopped) return;
        renew = false;
        const outcome = await connect(token);
        if (stopped) return;
        status.closed();
        if (outcome.opened) refusedSinceOpen = false;
        if (outcome.kind === "refused") {
          renew = true;
          // Renew once and reconnect at once; refused again with the renewed token: back off.
          if (refusedSinceOpen) {
            failures += 1;
            await pause(delayFor(failures));
          }
          refusedSinceOpen = true;
          continue;
        }
        failures = outcome.healthy ? 0 : failures;
        if (outcome.kind === "completed") {
          // The server ended it (token expiry, revocation): reconnect at once. Only a stream that ended as soon
          // as it opened, again and again, waits (a server that completes every stream must not be hammered).
          if (!outcome.healthy) failures += 1;
          if (failures > 1) await pause(delayFor(failures - 1));
          continue;
        }
        failures += 1;
        await pause(delayFor(failures));
      }
    })();

    return () => {
      stopped = true;
      globalThis.removeEventListener?.("offline", onOffline);
      globalThis.removeEventListener?.("online", onOnline);
      dropConnection?.();
      endWait?.();
    };
  }

  return subscriptionExchange({
    forwardSubscription: (request) => ({
      subscribe(sink) {
        return { unsubscribe: keepOpen({ ...request, query: request.query ?? "" }, sink) };
      },
    }),
  });
}
