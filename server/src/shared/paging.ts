// How many items one page may hold, for every paged list (tasks, the admin's users, audit events) and for
// the operation limits (api/graphql-limits.ts), which let one operation ask for at most PAGE_SIZE_MAX tasks
// across its connections. Not a rule about tasks, so it lives apart from the task's fields.
import { z } from "zod";

export const PAGE_SIZE_DEFAULT = 20;
export const PAGE_SIZE_MAX = 100;

/** A client's `first`: a whole number from 1 to PAGE_SIZE_MAX. */
export const pageSize = z
  .number()
  .int()
  .min(1, `first must be between 1 and ${PAGE_SIZE_MAX}.`)
  .max(PAGE_SIZE_MAX, `first must be between 1 and ${PAGE_SIZE_MAX}.`);
