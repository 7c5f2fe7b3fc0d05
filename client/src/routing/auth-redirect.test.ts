// The `next` of /sign-in?next=… is the one address the app takes from the URL and goes to after sign-in.
import { describe, expect, test } from "vitest";
import { safeNext } from "./auth-redirect.ts";

describe("after sign-in the app returns to `next`", () => {
  test.each(["/tasks/task-1", "/tasks/a%2Fb", "/?show=open&q=milk", "/tasks/task-1#title"])("%j, a page of this app, as it is", (next) => {
    expect(safeNext(next)).toBe(next);
  });
});

describe("a `next` that is not a page of this app is ignored, and sign-in leads to the task list", () => {
  test.each([
    "//evil.example",
    "//evil.example/tasks/1",
    "/\t/evil.example", // the URL parser drops tabs and newlines: this is //evil.example
    "/\r\n/evil.example",
    "/\tevil.example", // (/evil.example once the tab is gone: the app never writes a tab, someone else did)
    "/\\evil.example", // a backslash counts as a slash in http(s) URLs
    "/\\/evil.example",
    "https://evil.example",
    "http://localhost:5173.evil.example/",
    "javascript:alert(1)",
    " /tasks/task-1",
    "tasks/task-1",
    "",
    null,
  ])("%j", (next) => {
    expect(safeNext(next)).toBe("/");
  });
});
