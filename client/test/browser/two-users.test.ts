// Two people, two browser contexts, one real system: each sees only their own tasks, and a task id taken
// from someone else gets "not found" on every screen and in every operation.
import type { Browser } from "playwright-core";
import { afterEach, beforeAll, expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import {
  addTask,
  graphqlAsPageUser,
  signUpInNewContext,
  taskId,
  taskTitles,
  withAppInChromium,
  type BrowserUser,
} from "../support/browser.ts";

let app: RunningApp;
let browser: Browser;
let ada: BrowserUser;
let bob: BrowserUser;

withAppInChromium((started) => ({ app, browser } = started));
beforeAll(async () => {
  ada = await signUpInNewContext(browser, app, "Ada");
  bob = await signUpInNewContext(browser, app, "Bob");
});

afterEach(() => {
  expect([...ada.pageErrors, ...bob.pageErrors]).toEqual([]);
});

test("two users in two browser contexts each see only their own tasks", async () => {
  await addTask(ada.page, "Ada: renew passport");
  await addTask(bob.page, "Bob: fix the bike");
  await addTask(ada.page, "Ada: book the dentist");

  await Promise.all([ada.page.reload(), bob.page.reload()]);
  await ada.page.getByRole("list", { name: "Tasks" }).waitFor();
  await bob.page.getByRole("list", { name: "Tasks" }).waitFor();
  expect(await taskTitles(ada.page)).toEqual(["Ada: book the dentist", "Ada: renew passport"]);
  expect(await taskTitles(bob.page)).toEqual(["Bob: fix the bike"]);
  expect(await ada.page.getByText("2 tasks").isVisible()).toBe(true);
  expect(await bob.page.getByText("1 task", { exact: true }).isVisible()).toBe(true);
});

test("Bob opening the address of Ada's task sees “Task not found”, exactly as for a task that does not exist", async () => {
  await addTask(ada.page, "Ada: private diary");
  const id = await taskId(ada.page, "Ada: private diary");

  await bob.page.goto(`/tasks/${encodeURIComponent(id)}`);
  await bob.page.getByRole("heading", { name: "Task not found" }).waitFor();
  const strangersView = await bob.page.locator("main").innerText();
  expect(strangersView).not.toContain("private diary");
  expect(await bob.page.locator("input, textarea").count()).toBe(0);

  await bob.page.goto(`/tasks/${encodeURIComponent(`${id.slice(0, -4)}0000`)}`);
  await bob.page.getByRole("heading", { name: "Task not found" }).waitFor();
  expect(await bob.page.locator("main").innerText()).toBe(strangersView);

  // The owner, at the same address, gets the task.
  await ada.page.goto(`/tasks/${encodeURIComponent(id)}`);
  await ada.page.getByRole("heading", { name: "Edit task" }).waitFor();
  expect(await ada.page.getByLabel("Title", { exact: true }).inputValue()).toBe("Ada: private diary");
});

test("Bob sending Ada's task id in every operation gets not found, and Ada's task is unchanged", async () => {
  await ada.page.goto("/");
  await addTask(ada.page, "Ada: do not touch");
  const id = await taskId(ada.page, "Ada: do not touch");
  const missing = `${id.slice(0, -4)}0000`;

  for (const target of [id, missing]) {
    const read = await graphqlAsPageUser(bob.page, "query($id: ID!) { task(id: $id) { id title } }", { id: target });
    expect(read).toEqual({ status: 200, body: { data: { task: null } } });

    const update = await graphqlAsPageUser(
      bob.page,
      'mutation($id: ID!) { updateTask(id: $id, input: { title: "Bob was here" }) { id } }',
      { id: target },
    );
    expect(update.body.data).toBeNull();
    expect(update.body.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([["Task not found.", "NOT_FOUND"]]);

    const remove = await graphqlAsPageUser(bob.page, "mutation($id: ID!) { deleteTask(id: $id) }", { id: target });
    expect(remove.body.data).toBeNull();
    expect(remove.body.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([["Task not found.", "NOT_FOUND"]]);
  }

  await ada.page.reload();
  await ada.page.getByRole("list", { name: "Tasks" }).waitFor();
  expect(await taskTitles(ada.page)).toContain("Ada: do not touch");
  const own = await graphqlAsPageUser(ada.page, "query($id: ID!) { task(id: $id) { title } }", { id });
  expect(own.body.data.task).toEqual({ title: "Ada: do not touch" });
});
