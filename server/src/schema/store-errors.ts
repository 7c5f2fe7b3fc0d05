// What the stores' own errors mean to a client (the task store, the admin's user list, the audit trail).
// They speak in domain errors (a cursor they cannot read, an owner that no longer exists, a full account);
// this is the one place that turns them into the API's errors (graphql/errors.ts). Anything else passes
// through, and Yoga masks it.
import type { GraphQLError } from "graphql";
import { badUserInput, quotaExceeded, unauthenticated } from "../graphql/errors.ts";
import { InvalidCursorError } from "../shared/cursor-values.ts";
import { QuotaExceededError } from "../tasks/task-quota.ts";
import { OwnerNotFoundError } from "../tasks/task-store.ts";

function clientErrorFor(error: unknown): GraphQLError | undefined {
  if (error instanceof InvalidCursorError) return badUserInput("Invalid cursor: use a cursor from this query.", "after");
  // A token that outlived its account.
  if (error instanceof OwnerNotFoundError) return unauthenticated();
  if (error instanceof QuotaExceededError) return quotaExceeded(error.message, error.limit);
  return undefined;
}

/** Runs one store call; its domain errors come out as the API's. */
export async function withStoreErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw clientErrorFor(error) ?? error;
  }
}
