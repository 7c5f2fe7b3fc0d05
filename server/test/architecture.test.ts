// Structural rules that keep isolation true by construction. They read the source as text.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { projectRoot } from "../src/paths.ts";

const sourceRoot = path.join(projectRoot, "server", "src");
const taskDoor = path.join(sourceRoot, "tasks");

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const full = path.join(directory, entry);
    if (statSync(full).isDirectory()) return entry === "generated" ? [] : sourceFiles(full);
    return /\.(ts|cts|mts|js|cjs|mjs)$/.test(entry) ? [full] : [];
  });
}

/** Any way of reaching the Task table that bypasses the owner-scoped store. */
const TASK_TABLE_ACCESS = [
  /\.task\s*\./, // db.task.findMany, prisma.task.update, tx.task.delete ...
  /\[\s*["'`]task["'`]\s*\]/, // db["task"]
  /\$(queryRaw|executeRaw)(Unsafe)?[\s\S]{0,200}\btask\b/i, // raw SQL naming the table
  /\bfrom\s+"?task"?\b/i, // SQL text
];

export function findTaskTableAccess(source: string): string[] {
  return TASK_TABLE_ACCESS.filter((pattern) => pattern.test(source)).map(String);
}

describe("the one door to Task data", () => {
  test("the detector recognises every way of reaching the table", () => {
    expect(findTaskTableAccess("await context.db.task.findMany({})")).not.toEqual([]);
    expect(findTaskTableAccess('db["task"].count()')).not.toEqual([]);
    expect(findTaskTableAccess("db.$queryRaw`SELECT * FROM task`")).not.toEqual([]);
    expect(findTaskTableAccess("context.tasks.find(viewer.userId, id)")).toEqual([]);
  });

  test("no code outside server/src/tasks/ touches the Task table", () => {
    const offenders = sourceFiles(sourceRoot)
      .filter((file) => !file.startsWith(taskDoor + path.sep))
      .filter((file) => findTaskTableAccess(readFileSync(file, "utf8")).length > 0)
      .map((file) => path.relative(projectRoot, file));
    expect(offenders).toEqual([]);
  });

  test("every function of the task store takes the owner's id first, except the admin count", () => {
    const store = readFileSync(path.join(taskDoor, "task-store.ts"), "utf8");
    const methods = [...store.matchAll(/^ {4}(?:async )?(\w+)\((.*?)\)/gm)].map(([, name, params]) => ({ name, params }));
    expect(methods.map((method) => method.name).sort()).toEqual(["changes", "countAllForAdmin", "create", "delete", "find", "page", "update"]);
    for (const method of methods.filter((candidate) => candidate.name !== "countAllForAdmin")) {
      expect(method.params, method.name).toMatch(/^ownerId: string/);
    }
  });

  test("no GraphQL input type carries an owner", () => {
    const sdl = readFileSync(path.join(projectRoot, "server", "schema.graphql"), "utf8");
    for (const [, body] of sdl.matchAll(/^input \w+ \{([\s\S]*?)^\}/gm)) expect(body).not.toMatch(/userId|owner/i);
  });
});

describe("environment", () => {
  test("only server/src/env.ts reads process.env", () => {
    const readers = sourceFiles(sourceRoot)
      .filter((file) => /process\.env\b/.test(readFileSync(file, "utf8").replace(/^\s*\/\/.*$/gm, "")))
      .map((file) => path.relative(projectRoot, file));
    // migrate.server.ts passes the environment through to the Prisma CLI child process untouched.
    expect(readers.sort()).toEqual(["server/src/db/migrate.server.ts", "server/src/env.ts"]);
  });
});
