// What a client sees of a failure it cannot act on, and what the server log keeps of it. Yoga masks such
// an error as "Unexpected error." (a busy database as SERVICE_BUSY) and hands the real one to its logger;
// neither call knows which request it belongs to. So the masked error remembers its original here, the
// logger hands that original back here, and once the request's result is ready (onResultProcess, which
// has the request) each masked error gets the request id in its extensions and its original is logged
// under the same id. A result is processed within the same turn of the event loop as its errors were
// masked (promise steps, no I/O); an original nobody claimed by the next turn is logged then, without an
// id. That is the case for the events of a live stream: they are left alone (their errors are rare, and a
// wrapped iterator is more per-event work). A browser-suite hang once blamed on such a wrapper was the web
// app's sign-out racing its live stream (client/src/auth/session.tsx), since fixed.
import { GraphQLError, type ExecutionResult } from "graphql";
import { isAsyncIterable, maskError as yogaMaskError, type Plugin } from "graphql-yoga";
import { isDatabaseBusy } from "../db/database-busy.ts";
import type { DatabaseHealth } from "../db/database-outage.ts";
import { serviceBusy } from "../graphql/errors.ts";
import type { Logger } from "../logging/logger.ts";
import { describeError } from "../logging/describe-error.ts";
import type { RequestIds } from "./request-id.ts";

/** A busy database usually clears within a second or two (a statement timeout is 2 s by default). */
const SERVICE_BUSY_RETRY_AFTER_SECONDS = 2;

export interface MaskedErrors {
  /** Yoga's `maskedErrors.maskError`. */
  maskError(error: unknown, message: string, isDev?: boolean): Error;
  /** Yoga's logger.error for one value: true if it is an original masked here, logged by this module. */
  logsItself(value: unknown): boolean;
  plugin: Plugin;
}

/**
 * `database` hears of every unreachable-database error and logs the outage once; such errors are answered
 * SERVICE_BUSY and not logged per request.
 */
export function createMaskedErrors(requestIds: RequestIds, logger: Logger, database: DatabaseHealth): MaskedErrors {
  // Masked error -> its original.
  const originals = new WeakMap<object, unknown>();
  // Originals of an outage's errors: the database health has said it once for all of them.
  const outage = new WeakSet<object>();
  // Originals masked but not logged yet: a result claims them, or the next turn logs them without an id.
  const unlogged = new Set<object>();
  const logOnce = (requestId: string | undefined, original: unknown) => {
    if (typeof original === "object" && original !== null && unlogged.delete(original)) {
      logger.error({ requestId, error: describeError(original) }, "unexpected error");
    }
  };

  function claim(result: ExecutionResult, requestId: string | undefined): ExecutionResult {
    if (!result.errors?.length) return result;
    let changed = false;
    const errors = result.errors.map((error) => {
      if (!originals.has(error)) return error;
      changed = true;
      logOnce(requestId, originals.get(error));
      if (!requestId) return error;
      const { message, nodes, source, positions, path, extensions } = error;
      return new GraphQLError(message, { nodes, source, positions, path, extensions: { ...extensions, requestId } });
    });
    return changed ? { ...result, errors } : result;
  }

  return {
    maskError(error, message, isDev) {
      if (database.noteFailure(error)) {
        if (typeof error === "object" && error !== null) outage.add(error);
        return busy(error);
      }
      const masked = isDatabaseBusy(error) ? busy(error) : yogaMaskError(error, message, isDev);
      if (masked === error) return masked;
      originals.set(masked, error);
      // A thrown primitive is left to Yoga's logger: two requests may throw the same one.
      if (typeof error === "object" && error !== null) {
        unlogged.add(error);
        setImmediate(() => logOnce(undefined, error));
      }
      return masked;
    },
    // Yoga logs an original right after masking it, before any result can claim it.
    logsItself: (value) => typeof value === "object" && value !== null && (unlogged.has(value) || outage.has(value)),
    plugin: {
      onResultProcess({ request, result, setResult }) {
        if (isAsyncIterable(result) || Array.isArray(result)) return;
        setResult(claim(result as ExecutionResult, requestIds.of(request)));
      },
    },
  };
}

function busy(error: unknown): GraphQLError {
  const { message, extensions } = serviceBusy(SERVICE_BUSY_RETRY_AFTER_SECONDS);
  const path = error instanceof GraphQLError ? error.path : undefined;
  return new GraphQLError(message, { path, extensions });
}
