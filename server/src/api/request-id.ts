// Every API request gets an id of its own: it goes back to the client in the X-Request-Id header (and
// in a masked error's extensions, masked-errors.ts), and into the server's log lines about that request,
// so a user who quotes it leads straight to the real error. The id is always made here: a client-supplied
// one would let anyone write what they like into the logs.
//
// The id is kept with the Request object, and code that logs is handed the request. An
// AsyncLocalStorage would find it from anywhere, but on Node 20 it installs promise hooks that run for
// every promise in the process: 5-11% of the API's CPU per read (pnpm bench, with and without).
import { randomUUID } from "node:crypto";
import type { Plugin } from "graphql-yoga";

export const REQUEST_ID_HEADER = "X-Request-Id";

export interface RequestIds {
  /** Gives each request its id before any other hook, and puts it in the answer's header. */
  plugin: Plugin;
  /** The id of a request this plugin has seen, or undefined. */
  of(request: Request): string | undefined;
}

export function createRequestIds(): RequestIds {
  const ids = new WeakMap<Request, string>();
  return {
    plugin: {
      onRequest({ request }) {
        ids.set(request, randomUUID());
      },
      onResponse({ request, response }) {
        const id = ids.get(request);
        if (id) response.headers.set(REQUEST_ID_HEADER, id);
      },
    },
    of: (request) => ids.get(request),
  };
}
