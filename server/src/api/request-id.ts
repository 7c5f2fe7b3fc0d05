// Every API request gets an id of its own: it goes back to the client in the X-Request-Id header (and
// in a masked error's extensions), and into every line the server logs while handling that request, so
// a user who quotes it leads straight to the real error. The id is always made here: a client-supplied
// one would let anyone write what they like into the logs.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { Plugin } from "graphql-yoga";

export const REQUEST_ID_HEADER = "X-Request-Id";

export interface RequestIds {
  /** Runs the whole request (every hook, resolver and log call) with its id in scope. */
  plugin: Plugin;
  /** The id of the request being handled, or undefined outside one. */
  current(): string | undefined;
}

export function createRequestIds(): RequestIds {
  const storage = new AsyncLocalStorage<string>();
  return {
    plugin: {
      instrumentation: {
        request: (_payload, handle) => storage.run(randomUUID(), handle),
      },
      onResponse({ response }) {
        const id = storage.getStore();
        if (id) response.headers.set(REQUEST_ID_HEADER, id);
      },
    },
    current: () => storage.getStore(),
  };
}
