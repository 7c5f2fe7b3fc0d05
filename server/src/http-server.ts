import { createServerAdapter } from "@whatwg-node/server";
import { createServer, type Server } from "node:http";

/** Serves a fetch-style handler over node:http and resolves once it listens. */
export function listen(
  handler: { fetch(request: Request): Response | Promise<Response> },
  port: number,
  host: string,
): Promise<Server> {
  const server = createServer(createServerAdapter((request: Request) => handler.fetch(request)));
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
