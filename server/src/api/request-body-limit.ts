// The request body limit, as Yoga's own (`maxRequestBodySize`) enforces it, with one saving: a body that
// node:http reads under a valid Content-Length is not streamed through a counting TransformStream.
// node's HTTP parser delivers exactly Content-Length bytes as the body (anything after them is parsed as
// the next request and refused), so a declared length at or under the limit already bounds the body.
// Yoga's version pipes every body through a TransformStream and builds a second Request around it: in the
// benchmark's profile that was about 6% of the API's CPU per request. Bodies without a declared length
// (chunked uploads, in-process requests) are still counted as they arrive and cut off at the limit.
import type { IncomingMessage } from "node:http";
import { createGraphQLError, type Plugin } from "graphql-yoga";

// Only a single non-negative integer is a valid Content-Length (comma-joined values smell of smuggling).
const CONTENT_LENGTH = /^\d+$/;

const tooLarge = () =>
  createGraphQLError("Request body too large", { extensions: { http: { status: 413 }, code: "REQUEST_ENTITY_TOO_LARGE" } });
const invalidLength = () =>
  createGraphQLError("Content-Length header is invalid.", { extensions: { http: { status: 400 }, code: "BAD_REQUEST" } });

export function requestBodyLimit(limit: number): Plugin {
  return {
    onRequestParse({ request, serverContext, requestParser, setRequestParser, fetchAPI }) {
      const declared = request.headers.get("content-length");
      if (declared !== null) {
        if (!CONTENT_LENGTH.test(declared)) throw invalidLength();
        if (Number(declared) > limit) throw tooLarge();
        // Read by node:http under this very header: it cannot be longer.
        if ((serverContext as { req?: IncomingMessage }).req?.headers["content-length"] === declared) return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser((incoming) => parse(counted(incoming, limit, fetchAPI)));
    },
  };
}

/** The same request, its body cut off with a 413 error as soon as it passes `limit` bytes. */
function counted(request: Request, limit: number, fetchAPI: { Request: typeof Request; TransformStream: typeof TransformStream }) {
  let bytes = 0;
  const body = request.body as ReadableStream<Uint8Array>;
  // A native body needs the native TransformStream; the ponyfill's body needs the ponyfill's.
  const Transform = body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  const limited = body.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        if (bytes > limit) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: limited,
    duplex: "half",
  } as RequestInit);
}
