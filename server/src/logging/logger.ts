// The one place that makes loggers. Both services log through pino: one JSON object a line in production (for
// a log shipper), pino-pretty's readable lines in development and tests. Each service takes a child
// ({ service: "api" } / { service: "auth" }), each part of it a grandchild ({ component: ... }). A line about a
// request carries its `requestId` (api/request-id.ts, auth/app.ts): passed by hand, not found through an
// AsyncLocalStorage (5-11% of the API's CPU on Node 20, request-id.ts says why).
import pino, { type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";
import type { LogLevel } from "./log-levels.ts";

export type { Logger, LogLevel };

export interface LogConfig {
  level: LogLevel;
  /** "json" in production, "pretty" otherwise (config.ts). */
  format: "json" | "pretty";
}

/**
 * A second wall: code never passes these fields, and if it ever does (a header object, a request body),
 * pino writes "[redacted]" instead. Keys at the top of a line, one level down, and under `headers`.
 */
const SECRET_KEYS = ["authorization", "cookie", "set-cookie", "password", "newPassword", "currentPassword", "token", "dpop", "secret"];
export const REDACTED_PATHS = SECRET_KEYS.flatMap((key) => {
  const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const child = name.startsWith("[") ? name : `.${name}`;
  return [name, `*${child}`, `*.headers${child}`];
});

/** `destination`: where lines go instead of standard output (a test's capture). */
export function createLogger(config: LogConfig, destination?: DestinationStream): Logger {
  const stream =
    config.format === "json"
      ? (destination ?? pino.destination({ dest: 1, sync: true }))
      : pretty({
          // Colour only for a person at a terminal: a file or a pipe gets plain text.
          colorize: destination === undefined && process.stdout.isTTY === true,
          sync: true,
          translateTime: "SYS:HH:MM:ss.l",
          ignore: "pid,hostname",
          singleLine: true,
          ...(destination ? { destination } : {}),
        });
  return pino(
    {
      level: config.level,
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      // Level names ("warn"), not pino's numbers: read by people as well as by machines.
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}

/**
 * The logger of an app built without one (tests building apps in-process): errors only, through
 * console.error, so a failure nobody expected still shows, and fails the test (test/support).
 */
export function errorsToConsole(): Logger {
  return createLogger({ level: "error", format: "json" }, { write: (line: string) => console.error(line.trimEnd()) });
}

/** A logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
