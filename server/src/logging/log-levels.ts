// pino's levels, most severe first, as LOG_LEVEL takes them (env.ts): a file of its own so that reading the
// environment loads no logger.
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
