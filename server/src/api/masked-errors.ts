// What a client sees of a failure it cannot act on, and what the server log keeps of it. Yoga masks such
// an error as "Unexpected error." (a busy database as SERVICE_BUSY) and hands the real one to its logger;
// neither call knows which request it belongs to. So the masked error remembers its original here, the
// logger leaves that original alone, and once the request's result is ready (onResultProcess, which has
// the request) each masked error gets the request id in its extensions and its original is logged under
// the same id. Results of a live stream are handled event by event.
import { GraphQLError, type ExecutionResult } from "graphql";
import { isAsyncIterable, mapAsyncIterator, maskError as yogaMaskError, type Plugin } from "graphql-yoga";
import { isDatabaseBusy } from "../db/database-busy.ts";
import { serviceBusy } from "./errors.ts";
import { errorLine } from "./logger.ts";
import type { RequestIds } from "./request-id.ts";

/** A busy database usually clears within a second or two (a statement timeout is 2 s by default). */
const SERVICE_BUSY_RETRY_AFTER_SECONDS = 2;

export interface MaskedErrors {
  /** Yoga's `maskedErrors.maskError`. */
  maskError(error: unknown, message: string, isDev?: boolean): Error;
  /** Is this an original the plugin will log with its request id? Yoga's logger skips those. */
  isLoggedWithRequest(value: unknown): boolean;
  plugin: Plugin;
}

export function createMaskedErrors(requestIds: RequestIds, logError: (message: string) => void): MaskedErrors {
  const originals = new WeakMap<object, unknown>();
  const waitingForRequest = new WeakSet<object>();

  function withRequestId(result: ExecutionResult, requestId: string | undefined): ExecutionResult {
    if (!result.errors?.length) return result;
    let changed = false;
    const errors = result.errors.map((error) => {
      if (!originals.has(error)) return error;
      changed = true;
      logError(errorLine(requestId, originals.get(error)));
      if (!requestId) return error;
      const { message, nodes, source, positions, path, extensions } = error;
      return new GraphQLError(message, { nodes, source, positions, path, extensions: { ...extensions, requestId } });
    });
    return changed ? { ...result, errors } : result;
  }

  return {
    maskError(error, message, isDev) {
      const masked = isDatabaseBusy(error) ? busy(error) : yogaMaskError(error, message, isDev);
      if (masked !== error) {
        originals.set(masked, error);
        if (typeof error === "object" && error !== null) waitingForRequest.add(error);
      }
      return masked;
    },
    isLoggedWithRequest: (value) => typeof value === "object" && value !== null && waitingForRequest.has(value),
    plugin: {
      onResultProcess({ request, result, setResult }) {
        const requestId = requestIds.of(request);
        if (isAsyncIterable(result)) setResult(mapAsyncIterator(result, (event) => withRequestId(event as ExecutionResult, requestId)));
        else if (!Array.isArray(result)) setResult(withRequestId(result as ExecutionResult, requestId));
      },
    },
  };
}

function busy(error: unknown): GraphQLError {
  const { message, extensions } = serviceBusy(SERVICE_BUSY_RETRY_AFTER_SECONDS);
  const path = error instanceof GraphQLError ? error.path : undefined;
  return new GraphQLError(message, { path, extensions });
}
