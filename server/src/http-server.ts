import { createServerAdapter } from "@whatwg-node/server";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/**
 * The peer address of the connection, set by this server on every request (any value a client sent is
 * overwritten), for rate limits keyed by IP. Behind a reverse proxy this is the proxy's address.
 */
export const CLIENT_IP_HEADER = "x-client-ip";

type FetchHandler = { fetch(request: Request): Response | Promise<Response> };
/** A whatwg-node server adapter (a Yoga app is one): a node request listener as well as a fetch handler. */
type NodeListener = FetchHandler & ((request: IncomingMessage, response: ServerResponse) => void);

/**
 * Serves a fetch-style handler over node:http and resolves once it listens. A server adapter (the API's
 * Yoga app) is served directly, reading the peer address from the socket itself (api/context.ts); any
 * other handler gets the peer address in CLIENT_IP_HEADER.
 */
export function listen(handler: FetchHandler | NodeListener, port: number, host: string): Promise<Server> {
  const server = createServer(
    typeof handler === "function"
      ? handler
      : createServerAdapter<{ req: IncomingMessage }>((request, context) => {
          request.headers.set(CLIENT_IP_HEADER, context.req?.socket.remoteAddress ?? "unknown");
          return handler.fetch(request);
        }),
  );
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
