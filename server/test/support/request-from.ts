// HTTP requests over a connection bound to a chosen loopback address (127.0.0.2, 127.0.0.3, ...), so the
// server under test sees that address as the peer, as it would a real client's. fetch cannot bind its
// socket, so this is node:http, one connection per request.
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";

export interface PeerAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function requestFrom(
  url: string,
  localAddress: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<PeerAnswer> {
  return new Promise((resolve, reject) => {
    const body = init.body ?? "";
    const request = httpRequest(
      url,
      {
        method: init.method ?? "GET",
        localAddress,
        agent: false,
        headers: { ...init.headers, ...(body ? { "content-length": String(Buffer.byteLength(body)) } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}
