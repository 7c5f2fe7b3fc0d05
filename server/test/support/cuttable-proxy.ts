// A real TCP proxy to a database that a test can cut (every connection dropped, new ones refused) and
// restore: for the one connection a test wants to lose (the revocation feed's) while the rest stays up.
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { freePort } from "../../src/net/free-port.ts";

export interface CuttableProxy {
  /** `target` with the proxy's address in place of the database's. */
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
}

export async function cuttableProxy(target: URL): Promise<CuttableProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const open = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = createConnection(Number(target.port), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => socket.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, "127.0.0.1", resolve);
    });
  await open();
  const url = new URL(target);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    async cut() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server?.close(resolve));
    },
    restore: open,
  };
}
