// Live updates against the real services and the built SPA: one user signed in in two browser contexts (a
// laptop and a phone, as far as the services can tell), a second user in a third. What the laptop does shows
// on the phone by itself within 2 s, on the list and on an open edit screen; the other user sees none of it;
// and the phone's network dropping and coming back shows in its header, with the list right afterwards.
import type { Browser, Page } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import {
  addTask,
  newVisitor,
  screenshotPath,
  signIn,
  signUp,
  taskTitles,
  withAppInChromium,
  type BrowserUser,
} from "../support/browser.ts";

const ARRIVES_WITHIN_MS = 2_000;

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

/** The same account in a context of its own: another device. */
async function signInOnAnotherDevice(account: BrowserUser): Promise<BrowserUser> {
  const device = { ...(await newVisitor(browser, app, account.name)), email: account.email };
  await device.page.goto("/sign-in");
  await signIn(device);
  return device;
}

const indicator = (page: Page) => page.locator(".live-indicator");
const isLive = (page: Page) => expect.poll(() => indicator(page).innerText()).toBe("Live");

/** Waits for `condition` on the other device and returns how long it took from now; fails past 2 s. */
async function arrival(what: string, condition: () => Promise<unknown>): Promise<number> {
  const start = Date.now();
  await expect
    .poll(condition, { timeout: ARRIVES_WITHIN_MS, interval: 25, message: `${what} did not arrive within ${ARRIVES_WITHIN_MS} ms` })
    .toBe(true);
  return Date.now() - start;
}

/** Every list query a page sends (each event makes a list refetch, so none means no event arrived). */
function countListQueries(page: Page): () => number {
  let count = 0;
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/graphql" && request.postDataJSON()?.operationName === "Tasks") count += 1;
  });
  return () => count;
}

test("a task added, changed and deleted on one device shows on the other within 2 s, on the list and on its edit screen; another user sees none of it", async () => {
  const laptop = await newVisitor(browser, app, "Ada");
  await signUp(laptop);
  const phone = await signInOnAnotherDevice(laptop);
  const bob = await newVisitor(browser, app, "Bob");
  await signUp(bob);
  await Promise.all([isLive(laptop.page), isLive(phone.page), isLive(bob.page)]);
  const bobsListQueries = countListQueries(bob.page);
  const timings: Record<string, number> = {};

  await addTask(laptop.page, "Buy milk");
  timings.added = await arrival("the new task", async () => (await taskTitles(phone.page)).includes("Buy milk"));
  await addTask(laptop.page, "Plan the trip");
  await arrival("the second task", async () => (await taskTitles(phone.page)).join() === "Plan the trip,Buy milk");

  await laptop.page.getByRole("checkbox", { name: "Done: Buy milk" }).click();
  await expect.poll(() => laptop.page.getByRole("checkbox", { name: "Done: Buy milk" }).isChecked()).toBe(true);
  timings.completed = await arrival("the completed task", () => phone.page.getByRole("checkbox", { name: "Done: Buy milk" }).isChecked());

  // The phone has "Plan the trip" open, untouched; the laptop renames it.
  await phone.page.getByRole("link", { name: "Edit “Plan the trip”" }).click();
  await phone.page.getByRole("heading", { name: "Edit task" }).waitFor();
  await laptop.page.getByRole("link", { name: "Edit “Plan the trip”" }).click();
  await laptop.page.getByLabel("Title", { exact: true }).fill("Plan the trip to Lisbon");
  await laptop.page.getByRole("button", { name: "Save changes" }).click();
  await laptop.page.getByText("Saved “Plan the trip to Lisbon”.").waitFor();
  timings.renamed = await arrival(
    "the new title on the edit screen",
    async () => (await phone.page.getByLabel("Title", { exact: true }).inputValue()) === "Plan the trip to Lisbon",
  );

  // The laptop deletes it while the phone still has it open.
  await laptop.page.getByRole("button", { name: "Delete “Plan the trip to Lisbon”" }).click();
  await laptop.page.getByRole("alertdialog").getByRole("button", { name: "Delete task" }).click();
  await expect.poll(() => taskTitles(laptop.page)).toEqual(["Buy milk"]);
  timings.deletedWhileOpen = await arrival("the deletion on the edit screen", () =>
    phone.page.getByText("This task was deleted on another device or tab.").isVisible(),
  );
  expect(await phone.page.getByRole("button", { name: "Save changes" }).isDisabled()).toBe(true);
  await phone.page.getByRole("link", { name: "Back to your tasks" }).click();
  await expect.poll(() => taskTitles(phone.page)).toEqual(["Buy milk"]);

  await laptop.page.getByRole("button", { name: "Delete “Buy milk”" }).click();
  await laptop.page.getByRole("alertdialog").getByRole("button", { name: "Delete task" }).click();
  timings.deleted = await arrival("the deletion on the list", () =>
    phone.page.getByText("No tasks yet. Add your first one above.").isVisible(),
  );

  // Bob's stream carried nothing: no event, so no refetch, and his list never changed.
  expect(bobsListQueries()).toBe(0);
  expect(await bob.page.getByText("No tasks yet. Add your first one above.").isVisible()).toBe(true);
  expect(await indicator(bob.page).innerText()).toBe("Live");
  console.log(`Live updates arrived on the other device after (ms): ${JSON.stringify(timings)}`);
  for (const user of [laptop, phone, bob]) expect(user.pageErrors).toEqual([]);
  await Promise.all([laptop.context.close(), phone.context.close(), bob.context.close()]);
});

test("the phone's network drops and returns: its header says Reconnecting…, then Live, and its list is right with no row twice", async () => {
  const laptop = await newVisitor(browser, app, "Ada");
  await signUp(laptop);
  const phone = await signInOnAnotherDevice(laptop);
  await addTask(laptop.page, "Before the outage");
  await addTask(laptop.page, "Deleted during the outage");
  await arrival("the tasks", async () => (await taskTitles(phone.page)).length === 2);
  await isLive(phone.page);

  await phone.context.setOffline(true);
  await expect.poll(() => indicator(phone.page).innerText()).toBe("Reconnecting…");
  await addTask(laptop.page, "Added during the outage");
  await laptop.page.getByRole("button", { name: "Delete “Deleted during the outage”" }).click();
  await laptop.page.getByRole("alertdialog").getByRole("button", { name: "Delete task" }).click();
  await expect.poll(() => taskTitles(laptop.page)).toEqual(["Added during the outage", "Before the outage"]);
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // long enough for a retry or two to fail offline
  expect(await indicator(phone.page).innerText()).toBe("Reconnecting…");
  expect(await taskTitles(phone.page)).toEqual(["Deleted during the outage", "Before the outage"]); // nothing could arrive

  await phone.context.setOffline(false);
  await isLive(phone.page);
  await expect.poll(() => taskTitles(phone.page)).toEqual(["Added during the outage", "Before the outage"]);
  // And it is live again: the next change arrives as before, once.
  await addTask(laptop.page, "After the outage");
  await arrival(
    "the task added after the outage",
    async () => (await taskTitles(phone.page)).join() === "After the outage,Added during the outage,Before the outage",
  );
  expect(await phone.page.getByText("3 tasks", { exact: true }).isVisible()).toBe(true);
  await phone.page.screenshot({ path: screenshotPath("live-updates.png"), fullPage: true });

  expect(laptop.pageErrors).toEqual([]);
  expect(phone.pageErrors).toEqual([]);
  await Promise.all([laptop.context.close(), phone.context.close()]);
});
