// What a client may send for a task, and the messages it gets when it sends something else.
// The owner is never part of the input: it comes from the verified token only.
import { z } from "zod";

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 10_000;
export const SEARCH_MAX = 200;

const title = z
  .string({ error: "Title is required." })
  .trim()
  .min(1, "Title is required.")
  .max(TITLE_MAX, `Title must be at most ${TITLE_MAX} characters.`);
const description = z
  .string({ error: "Description must be text." })
  .max(DESCRIPTION_MAX, `Description must be at most ${DESCRIPTION_MAX} characters.`);

const completed = z.boolean({ error: "completed must be true or false." });
// GraphQL has already parsed DateTime strings into dates.
const dueAt = z.date({ error: "dueAt must be a date and time." });

export const createTaskInput = z.object({
  title,
  description: description.nullish().transform((value) => value ?? ""),
  completed: completed.nullish().transform((value) => value ?? false),
  dueAt: dueAt.nullish().transform((value) => value ?? null),
});

/** Absent fields stay as they are; a null description or dueAt clears it; a null title is refused. */
export const updateTaskInput = z.object({
  title: title.optional(),
  description: description.nullish().transform((value) => (value === null ? "" : value)),
  completed: completed.optional(),
  dueAt: dueAt.nullish(),
});

export const searchText = z.string().trim().max(SEARCH_MAX, `search must be at most ${SEARCH_MAX} characters.`);

export type CreateTaskInput = z.output<typeof createTaskInput>;
export type UpdateTaskInput = z.output<typeof updateTaskInput>;
