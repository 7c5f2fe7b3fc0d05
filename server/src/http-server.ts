import { createServerAdapter } from "@whatwg-node/server";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { CLIENT_IP_HEADER, clientAddressOf, compileProxyTrust, type ProxyTrust } from "./net/client-address.ts";

type FetchHandler = { fetch(request: Request): Response | Promise<Response> };
/** A whatwg-node server adapter (a Yoga app is one): a node request listener as well as a fetch handler. */
type NodeListener = FetchHandler & ((request: IncomingMessage, response: ServerResponse) => void);

export interface ListenOptions {
  /** Which peers may tell us the client's address in X-Forwarded-For; none by default. */
  trustProxy?: ProxyTrust;
}

/**
 * Serves a fetch-style handler over node:http and resolves once it listens. A server adapter (the API's
 * Yoga app) is served directly; any other handler through one. Either way the client's address is put in
 * CLIENT_IP_HEADER of the node request before the handler sees it.
 */
export function listen(handler: FetchHandler | NodeListener, port: number, host: string, options: ListenOptions = {}): Promise<Server> {
  const trust = options.trustProxy ?? compileProxyTrust([]);
  const listener: (request: IncomingMessage, response: ServerResponse) => void =
    typeof handler === "function" ? handler : createServerAdapter((request: Request) => handler.fetch(request));
  const server = createServer((request, response) => {
    request.headers[CLIENT_IP_HEADER] = clientAddressOf(request, trust);
    listener(request, response);
  });
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
