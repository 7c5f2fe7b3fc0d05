// A port nobody is listening on, for the servers the tests, the benchmark and the browser tests start.
// It lives in the source so the benchmark and the tests share it without the benchmark importing test code.
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
