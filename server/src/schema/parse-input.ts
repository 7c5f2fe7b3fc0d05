// A resolver's arguments checked against the rules in tasks/task-input.ts and shared/paging.ts, before
// anything is read or written: invalid input changes nothing and answers BAD_USER_INPUT with the rule's own
// message and the field it is about.
import type { ZodType } from "zod";
import { badUserInput } from "../graphql/errors.ts";

export function parseInput<Output>(schema: ZodType<Output>, value: unknown): Output {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw badUserInput(issue?.message ?? "Invalid input.", issue?.path.join("."));
}
