// The kit's own listener: where forged jku/x5u headers point. It serves a key set that would make the
// forged token verify, and counts requests; a resource server that keeps the contract never asks it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWK } from "jose";

export interface KeyListener {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

export async function startKeyListener(keys: JWK[]): Promise<KeyListener> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
