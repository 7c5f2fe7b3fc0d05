// The API's server-side log lines that Yoga itself writes: Yoga's logger, over the service's pino logger.
// Yoga's calls do not know their request; the failures a client saw as "Unexpected error." are logged with
// their request id by masked-errors.ts, which this logger leaves them to.
import type { YogaLogger } from "graphql-yoga";
import type { Logger } from "../logging/logger.ts";
import { describeError } from "../logging/describe-error.ts";

/** `loggedElsewhere`: errors someone else logs, with their request id (masked-errors.ts). */
export function createYogaLogger(logger: Logger, loggedElsewhere: (value: unknown) => boolean): YogaLogger {
  const line = (values: unknown[]) => values.map(describeError).join(" ");
  return {
    // Yoga's debug lines narrate each request's steps without saying which request: not written.
    debug: () => {},
    info: (...values) => logger.info(line(values)),
    warn: (...values) => logger.warn(line(values)),
    error: (...values) => {
      if (values.length === 1 && loggedElsewhere(values[0])) return;
      logger.error({ error: line(values) }, "unexpected error");
    },
  };
}
