// Managing tasks through the screens, as a user would, on the real system.
import type { Browser, Page, Request } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import {
  addTask,
  graphqlAsPageUser,
  newVisitor,
  screenshotPath,
  signUp,
  taskTitles,
  withAppInChromium,
  type BrowserUser,
} from "../support/browser.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

async function signedUpUser(name: string, options: { width?: number } = {}): Promise<BrowserUser> {
  const user = await newVisitor(browser, app, name, options);
  await signUp(user);
  return user;
}

/** Lines of the page's accessibility tree that are controls without a name. */
async function unnamedControls(user: BrowserUser): Promise<string[]> {
  const tree = await user.page.locator("body").ariaSnapshot();
  return tree
    .split("\n")
    .filter((line) => /^\s*- (button|link|textbox|checkbox|radio|searchbox|combobox)(\s*\[[^\]]*\])?:?\s*$/.test(line));
}

test("create, edit, set and clear a due date, complete, filter, search, and delete with a confirmation", async () => {
  const ada = await signedUpUser("Ada");
  const { page } = ada;
  await page.getByText("No tasks yet. Add your first one above.").waitFor();

  await page.getByLabel("Title", { exact: true }).fill("Buy milk");
  await page.getByLabel("Description (optional)").fill("Two litres");
  await page.getByLabel("Due date (optional)").fill("2030-05-17");
  await page.getByRole("button", { name: "Add task" }).click();
  await page.getByText("Due Fri, May 17, 2030").waitFor();
  expect(await page.getByText("Two litres").isVisible()).toBe(true);
  await addTask(page, "Write report");
  expect(await taskTitles(page)).toEqual(["Write report", "Buy milk"]);

  // Edit: title, description, and clear the due date.
  await page.getByRole("link", { name: "Edit “Buy milk”" }).click();
  await page.getByRole("heading", { name: "Edit task" }).waitFor();
  expect(await page.getByLabel("Due date (optional)").inputValue()).toBe("2030-05-17");
  await page.getByLabel("Title", { exact: true }).fill("Buy oat milk");
  await page.getByLabel("Description (optional)").fill("One carton");
  await page.getByRole("button", { name: "Clear due date" }).click();
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.getByText("Saved “Buy oat milk”.").waitFor();
  await expect.poll(() => taskTitles(page)).toEqual(["Write report", "Buy oat milk"]);
  expect(await page.getByText("One carton").isVisible()).toBe(true);
  expect(await page.getByRole("list", { name: "Tasks" }).getByText(/^Due /).count()).toBe(0);

  // Complete, and the filters.
  await page.getByRole("checkbox", { name: "Done: Write report" }).click();
  await expect.poll(() => page.getByRole("checkbox", { name: "Done: Write report" }).isChecked()).toBe(true);
  await chooseFilter(page, "Open");
  await expect.poll(() => taskTitles(page)).toEqual(["Buy oat milk"]);
  expect(new URL(page.url()).searchParams.get("show")).toBe("open");
  await chooseFilter(page, "Completed");
  await expect.poll(() => taskTitles(page)).toEqual(["Write report"]);
  await page.getByRole("checkbox", { name: "Done: Write report" }).click(); // incomplete again: it leaves this view
  await page.getByText("No tasks match this search or filter.").waitFor();
  await chooseFilter(page, "All");
  await expect.poll(() => taskTitles(page)).toEqual(["Write report", "Buy oat milk"]);
  expect(await page.getByRole("checkbox", { name: "Done: Write report" }).isChecked()).toBe(false);

  // Search, in title and description.
  await page.getByRole("searchbox", { name: "Search tasks" }).fill("carton");
  await expect.poll(() => taskTitles(page)).toEqual(["Buy oat milk"]);
  await page.getByRole("searchbox", { name: "Search tasks" }).fill("nothing like this");
  await page.getByText("No tasks match this search or filter.").waitFor();
  await page.getByRole("button", { name: "Show all tasks" }).click();
  await expect.poll(() => taskTitles(page)).toEqual(["Write report", "Buy oat milk"]);
  expect(await page.getByRole("searchbox", { name: "Search tasks" }).inputValue()).toBe("");

  // Delete asks first; Cancel keeps the task.
  await page.getByRole("button", { name: "Delete “Buy oat milk”" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Delete “Buy oat milk”?" });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "detached" });
  expect(await taskTitles(page)).toEqual(["Write report", "Buy oat milk"]);
  await page.getByRole("button", { name: "Delete “Buy oat milk”" }).click();
  await dialog.getByRole("button", { name: "Delete task" }).click();
  await expect.poll(() => taskTitles(page)).toEqual(["Write report"]);
  expect(await page.getByText("1 task", { exact: true }).isVisible()).toBe(true);

  expect(await unnamedControls(ada)).toEqual([]);
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("the newest 20 come first; “Load more” shows older ones, and adding a task skips and repeats none", async () => {
  const ada = await signedUpUser("Ada");
  const { page } = ada;
  for (let number = 1; number <= 23; number += 1) {
    const created = await graphqlAsPageUser(page, "mutation($title: String!) { createTask(input: { title: $title }) { id } }", {
      title: `Task ${number}`,
    });
    expect(created.status).toBe(200);
  }
  await page.reload();
  await page.getByText("23 tasks").waitFor();
  const newestFirst = Array.from({ length: 23 }, (_, index) => `Task ${23 - index}`);
  expect(await taskTitles(page)).toEqual(newestFirst.slice(0, 20));

  await page.getByRole("button", { name: "Load more" }).click();
  await expect.poll(() => taskTitles(page)).toEqual(newestFirst);
  expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);

  await addTask(page, "Task 24");
  await expect.poll(() => taskTitles(page)).toEqual(["Task 24", ...newestFirst]);
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("an empty or too long title is refused with the server's message, and the typed text stays", async () => {
  const ada = await signedUpUser("Ada");
  const { page } = ada;
  const title = page.getByLabel("Title", { exact: true });

  await page.getByLabel("Description (optional)").fill("Keep this description");
  await page.getByRole("button", { name: "Add task" }).click();
  await page.getByText("Title is required.").waitFor();
  expect(await title.getAttribute("aria-invalid")).toBe("true");
  expect(await page.evaluate(() => document.activeElement?.id)).toBe("new-task-title");

  const tooLong = "x".repeat(201);
  await title.fill(tooLong);
  await page.getByText("201 of 200 characters").waitFor();
  await page.getByRole("button", { name: "Add task" }).click();
  await page.getByText("Title must be at most 200 characters.").waitFor();
  expect(await title.inputValue()).toBe(tooLong);
  expect(await page.getByLabel("Description (optional)").inputValue()).toBe("Keep this description");
  expect(await page.getByRole("button", { name: "Add task" }).isEnabled()).toBe(true);

  // The same on the edit screen.
  await addTask(page, "A fine title");
  await page.getByRole("link", { name: "Edit “A fine title”" }).click();
  await page.getByLabel("Title", { exact: true }).fill("   ");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.getByText("Title is required.").waitFor();
  expect(await page.getByLabel("Title", { exact: true }).inputValue()).toBe("   ");
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("a network failure shows Retry and keeps what was typed; Retry then works", async () => {
  const ada = await signedUpUser("Ada");
  const { page } = ada;
  await page.route("**/graphql", (route) => route.abort("internetdisconnected"));

  await page.getByLabel("Title", { exact: true }).fill("Written while offline");
  await page.getByRole("button", { name: "Add task" }).click();
  // The form says it; the list may say the same if a refetch also failed meanwhile.
  const newTaskForm = page.getByRole("form", { name: "New task" });
  await newTaskForm.getByText("Could not reach the server. Check your connection and try again.").waitFor();
  expect(await page.getByLabel("Title", { exact: true }).inputValue()).toBe("Written while offline");

  await page.unroute("**/graphql");
  await newTaskForm.getByRole("button", { name: "Retry" }).click();
  await page.getByRole("list", { name: "Tasks" }).getByText("Written while offline").waitFor();
  await expect.poll(() => page.getByLabel("Title", { exact: true }).inputValue()).toBe("");

  // Loading the list fails the same way, and Retry loads it.
  await page.route("**/graphql", (route) => route.abort("internetdisconnected"));
  await page.reload();
  const taskList = page.getByRole("region", { name: "Your tasks" });
  await taskList.getByText("Could not reach the server. Check your connection and try again.").waitFor();
  await page.unroute("**/graphql");
  await taskList.getByRole("button", { name: "Retry" }).click();
  await expect.poll(() => taskTitles(page)).toEqual(["Written while offline"]);
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("no GraphQL request carries the session cookie: the API gets the token, bound, with a proof, and only /api/auth the cookie", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  const sent: Request[] = [];
  ada.page.on("request", (request) => sent.push(request));
  await signUp(ada);
  await addTask(ada.page, "Buy milk");
  await ada.page.getByRole("checkbox", { name: "Done: Buy milk" }).click();
  await expect.poll(() => ada.page.getByRole("checkbox", { name: "Done: Buy milk" }).isChecked()).toBe(true);
  await ada.page.reload();
  await ada.page.getByRole("list", { name: "Tasks" }).getByText("Buy milk").waitFor();

  // The headers as they went out (Playwright reads them from the network layer, cookies included); cookie
  // names only, so a failure does not print a session token.
  const headers = await Promise.all(
    sent.map(async (request) => ({
      path: new URL(request.url()).pathname,
      cookies: ((await request.headerValue("cookie")) ?? "")
        .split(/;\s*/)
        .filter(Boolean)
        .map((cookie) => cookie.split("=")[0]),
      bound: /^DPoP [\w-]+\.[\w-]+\.[\w-]+$/.test((await request.headerValue("authorization")) ?? ""),
      proof: /^[\w-]+\.[\w-]+\.[\w-]+$/.test((await request.headerValue("dpop")) ?? ""),
    })),
  );
  const graphql = headers.filter((request) => request.path === "/graphql");
  expect(graphql.length).toBeGreaterThanOrEqual(4); // list, create, complete, list after the reload
  expect(graphql.filter((request) => request.cookies.length > 0)).toEqual([]);
  expect(graphql.filter((request) => !request.bound || !request.proof)).toEqual([]);
  // The cookie exists and is sent where it belongs, so its absence above means something.
  const tokenRequests = headers.filter((request) => request.path === "/api/auth/token");
  expect(tokenRequests.length).toBeGreaterThanOrEqual(2); // before and after the reload
  expect(tokenRequests.map((request) => request.cookies)).toEqual(tokenRequests.map(() => ["better-auth.session_token"]));
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("“Copy token” copies the bound token and says it works only with this browser's proofs (sent as copied, it is refused), and “Open in GraphiQL” leads to the API's GraphiQL", async () => {
  const ada = await signedUpUser("Ada");
  const { page } = ada;
  await ada.context.grantPermissions(["clipboard-read", "clipboard-write"]);

  await page.getByRole("button", { name: "Copy token" }).click();
  await page
    .getByText(
      /^Copied\. This token is bound to this browser's key: the API takes it only with a proof signed by that key, which never leaves this browser, so pasted into curl, other tools or GraphiQL's Headers tab it is refused\. GraphiQL opened from here needs nothing pasted: it signs with this browser's key\. It expires at \d\d:\d\d/,
    )
    .waitFor();
  const headers = JSON.parse(await page.evaluate(() => navigator.clipboard.readText())) as { Authorization: string };
  expect(Object.keys(headers)).toEqual(["Authorization"]);
  expect(headers.Authorization).toMatch(/^DPoP [\w-]+\.[\w-]+\.[\w-]+$/);

  // What GraphiQL's Headers tab would send with them: no proof, so refused, as the page says.
  const asPasted = await page.evaluate(async (headers) => {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ query: "{ me { email } }" }),
    });
    return { status: response.status, challenge: response.headers.get("www-authenticate") };
  }, headers);
  expect(asPasted).toEqual({ status: 401, challenge: expect.stringMatching(/^DPoP error="invalid_dpop_proof"/) });

  const link = page.getByRole("link", { name: "Open in GraphiQL" });
  expect(await link.getAttribute("href")).toBe("/graphql");
  expect(await link.getAttribute("target")).toBe("_blank");
  const graphiql = await page.request.get("/graphql", { headers: { accept: "text/html" } });
  expect(graphiql.status()).toBe(200);
  expect(await graphiql.text()).toContain("<title>Tasks API</title>");
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("the main screen with a few tasks, on a desktop and on a phone (screenshots in client/test-artifacts/)", async () => {
  const ada = await signedUpUser("Ada");
  const { page } = ada;
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const tasks = [
    { title: "Renew passport", description: "Photos first, then the form at the town hall.", due: day(-2) },
    { title: "Book the dentist", description: "", due: day(1) },
    { title: "Call the plumber about the kitchen sink", description: "It drips again.", due: "" },
    { title: "Water the plants", description: "", due: day(0) },
  ];
  for (const task of tasks) {
    await page.getByLabel("Title", { exact: true }).fill(task.title);
    await page.getByLabel("Description (optional)").fill(task.description);
    await page.getByLabel("Due date (optional)").fill(task.due);
    await page.getByRole("button", { name: "Add task" }).click();
    await page.getByRole("list", { name: "Tasks" }).getByText(task.title, { exact: true }).waitFor();
  }
  await page.getByRole("checkbox", { name: "Done: Water the plants" }).click();
  await expect.poll(() => page.getByRole("checkbox", { name: "Done: Water the plants" }).isChecked()).toBe(true);
  await page.getByText(/^Overdue since /).waitFor();

  await page.screenshot({ path: screenshotPath("main-screen.png"), fullPage: true });
  await page.setViewportSize({ width: 375, height: 812 });
  await page.screenshot({ path: screenshotPath("main-screen-phone.png"), fullPage: true });
  // Nothing wider than a phone's screen: no sideways scrolling.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  expect(await unnamedControls(ada)).toEqual([]);
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

/**
 * The filter radios follow the URL, so they show their new state a render after the click; Playwright's
 * check() looks at once and fails under load. Click, then wait for the state.
 */
async function chooseFilter(page: Page, name: "All" | "Open" | "Completed"): Promise<void> {
  const radio = page.getByRole("radio", { name });
  await radio.click();
  await expect.poll(() => radio.isChecked()).toBe(true);
}
