// What a log line keeps of an error: enough for the person on call to find the fault (where, what, the stack,
// the causes), never an address a user typed (masked, mask-email.ts). Shared by both services.
import { GraphQLError } from "graphql";
import { maskEmailsIn } from "./mask-email.ts";

/**
 * The whole story of an error, for the `error` field of a log line: where in the operation, what it said, its
 * stack and its causes, with any email address in it masked (a database error may quote a row).
 */
export function describeError(value: unknown): string {
  return maskEmailsIn(describe(value));
}

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
