import { createServerAdapter } from "@whatwg-node/server";
import { createServer, type IncomingMessage, type Server } from "node:http";

/**
 * The peer address of the connection, set by this server on every request (any value a client sent is
 * overwritten), for rate limits keyed by IP. Behind a reverse proxy this is the proxy's address.
 */
export const CLIENT_IP_HEADER = "x-client-ip";

/** Serves a fetch-style handler over node:http and resolves once it listens. */
export function listen(
  handler: { fetch(request: Request): Response | Promise<Response> },
  port: number,
  host: string,
): Promise<Server> {
  const server = createServer(
    createServerAdapter<{ req: IncomingMessage }>((request, context) => {
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
