// The Task door's SQL names its columns by hand (tasks/task-sql.ts), and its rows are typed as Prisma's
// Task. A column added to prisma/schema.prisma and not to the door would compile and read as undefined;
// this test and the type in task-sql.ts make that a failure.
import { expect, test } from "vitest";
import { Prisma } from "../src/generated/prisma/client.ts";
import { TASK_COLUMNS } from "../src/tasks/task-sql.ts";

/** The model's scalar fields the door's column list does not name, and the names it has that the model lacks. */
function differences(modelFields: readonly string[], doorColumns: readonly string[]) {
  return {
    missingFromDoor: modelFields.filter((field) => !doorColumns.includes(field)),
    unknownToModel: doorColumns.filter((column) => !modelFields.includes(column)),
  };
}

const modelFields = Object.values(Prisma.TaskScalarFieldEnum);

test("the task door's SQL names exactly the Task model's columns", () => {
  expect(differences(modelFields, TASK_COLUMNS)).toEqual({ missingFromDoor: [], unknownToModel: [] });
});

test("a column added to the model and not to the door is reported", () => {
  expect(differences([...modelFields, "priority"], TASK_COLUMNS)).toEqual({ missingFromDoor: ["priority"], unknownToModel: [] });
  expect(
    differences(
      modelFields.filter((field) => field !== "dueAt"),
      TASK_COLUMNS,
    ),
  ).toEqual({ missingFromDoor: [], unknownToModel: ["dueAt"] });
});
