// A logger whose lines a test reads back: the services' own pino logger (redaction and all) in its production
// format, written to an array instead of standard output, each line parsed from its JSON.
import { createLogger, type Logger, type LogLevel } from "../../src/logging/logger.ts";

export interface LogLine {
  level: string;
  msg: string;
  service?: string;
  component?: string;
  requestId?: string;
  /** An error's whole story (describe-error.ts). */
  error?: string;
  [field: string]: unknown;
}

export interface CapturedLogs {
  logger: Logger;
  /** Every line written, in order. */
  lines: LogLine[];
}

/** `keep`: which lines to keep (default every one). */
export function captureLogs(level: LogLevel = "debug", keep: (line: LogLine) => boolean = () => true): CapturedLogs {
  const lines: LogLine[] = [];
  const logger = createLogger(
    { level, format: "json" },
    {
      write(text: string) {
        for (const json of text.split("\n").filter(Boolean)) {
          const line = JSON.parse(json) as LogLine;
          if (keep(line)) lines.push(line);
        }
      },
    },
  );
  return { logger, lines };
}

/** An access line ("request", one per request). */
export const isAccessLine = (line: LogLine) => line.msg === "request";
