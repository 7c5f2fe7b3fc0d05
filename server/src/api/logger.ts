// The API's server-side log. Yoga's own logger prints straight to the console; this one writes through
// the functions the app is given (so tests capture it). A line about one request starts with its id:
// masked errors are logged that way by masked-errors.ts, which this logger leaves them to.
import { GraphQLError } from "graphql";
import type { YogaLogger } from "graphql-yoga";

export interface ApiLoggerOptions {
  production: boolean;
  /** Notes and warnings. */
  log: (message: string) => void;
  /** Failures a client saw as "Unexpected error.": the real error, with its stack. */
  logError: (message: string) => void;
  /** Errors someone else logs, with their request id (masked-errors.ts). */
  loggedElsewhere: (value: unknown) => boolean;
}

export function createApiLogger({ production, log, logError, loggedElsewhere }: ApiLoggerOptions): YogaLogger {
  const line = (values: unknown[]) => values.map(describe).join(" ");
  return {
    debug: () => {},
    info: production ? () => {} : (...values) => log(line(values)),
    warn: (...values) => log(line(values)),
    error: (...values) => {
      if (values.length === 1 && loggedElsewhere(values[0])) return;
      logError(line(values));
    },
  };
}

/** The log line for a failure: the request id, then the whole story of the error. */
export function errorLine(requestId: string | undefined, error: unknown): string {
  return withRequestId(requestId, describe(error));
}

export function withRequestId(id: string | undefined, message: string): string {
  return id ? `request ${id}: ${message}` : message;
}

/** The whole story of an error: where in the operation, what it said, its stack and its causes. */
function describe(value: unknown): string {
  if (value instanceof GraphQLError && value.originalError) {
    const where = value.path ? ` at ${value.path.join(".")}` : "";
    return `GraphQL error${where}: ${describe(value.originalError)}`;
  }
  if (value instanceof Error) {
    // Prisma errors carry their code and the driver's own error in `code` and `meta`.
    const { code, meta } = value as { code?: unknown; meta?: unknown };
    const details = code === undefined && meta === undefined ? "" : ` ${JSON.stringify({ code, meta })}`;
    const frames = (value.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
    const text = [`${value.name}: ${value.message.trim()}${details}`, ...frames].join("\n");
    return value.cause === undefined ? text : `${text}\nCaused by: ${describe(value.cause)}`;
  }
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
