// Due dates are days in the user's own time zone. Browsers west and east of UTC, their clocks set a few hours
// from UTC midnight, where the local day is not the UTC day: any local/UTC mix-up shows in the labels, in the
// edit form or in what is stored.
import type { Browser, Page } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import { graphqlAsPageUser, newVisitor, signUp, withAppInChromium } from "../support/browser.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const utcMidnight = Math.floor(Date.now() / DAY) * DAY; // today's, on the real clock: the session cookie stays valid

/** The calendar day of an instant in a time zone, written as a date input writes it (YYYY-MM-DD). */
const dayIn = (timeZone: string, instant: number) =>
  new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(instant);

/** The wall-clock time of an instant in a time zone, "YYYY-MM-DD HH:mm". */
const wallClock = (timeZone: string, instant: number) =>
  `${dayIn(timeZone, instant)} ${new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(instant)}`;

const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

/** A day as the task list writes it, e.g. "Mon, Dec 1". */
const shortDate = (day: string) =>
  new Intl.DateTimeFormat("en-US", { timeZone: "UTC", weekday: "short", month: "short", day: "numeric" }).format(
    Date.parse(`${day}T12:00:00Z`),
  );

const dueLabel = (page: Page, title: string) =>
  page
    .getByRole("list", { name: "Tasks" })
    .getByRole("listitem")
    .filter({ has: page.getByText(title, { exact: true }) })
    .locator(".task-due")
    .innerText();

async function storedDueDates(page: Page): Promise<Record<string, string>> {
  const { body } = await graphqlAsPageUser(page, "{ tasks(first: 20) { edges { node { title dueAt } } } }");
  return Object.fromEntries(body.data.tasks.edges.map(({ node }: { node: { title: string; dueAt: string } }) => [node.title, node.dueAt]));
}

const zones = [
  // 21:30 or 22:30 (summer time) in New York, the evening before the UTC day.
  { timeZone: "America/New_York", now: utcMidnight + 2.5 * HOUR, when: "in the evening" },
  // 08:30 in Tokyo, while in UTC it is still the day before.
  { timeZone: "Asia/Tokyo", now: utcMidnight - 0.5 * HOUR, when: "in the morning" },
];

for (const { timeZone, now, when } of zones) {
  test(`in ${timeZone} ${when}, due dates are local days: overdue, “Due today”, “Due tomorrow”; editing only the title keeps the day`, async () => {
    const today = dayIn(timeZone, now);
    expect(today, "the local day is not the UTC day at this time").not.toBe(dayIn("UTC", now));
    const ada = await newVisitor(browser, app, "Ada", { timezoneId: timeZone });
    await ada.context.clock.setFixedTime(now);
    const { page } = ada;
    await signUp(ada);
    expect(await page.evaluate(() => [Intl.DateTimeFormat().resolvedOptions().timeZone, Date.now()])).toEqual([timeZone, now]);

    const tasks = [
      { title: "Pay the rent", due: addDays(today, -1) },
      { title: "Water the plants", due: today },
      { title: "Book the dentist", due: addDays(today, 1) },
    ];
    for (const task of tasks) {
      await page.getByLabel("Title", { exact: true }).fill(task.title);
      await page.getByLabel("Due date (optional)").fill(task.due);
      await page.getByRole("button", { name: "Add task" }).click();
      await page.getByRole("list", { name: "Tasks" }).getByText(task.title, { exact: true }).waitFor();
    }
    expect(await dueLabel(page, "Pay the rent")).toMatch(new RegExp(`^Overdue since ${shortDate(addDays(today, -1))}(, \\d{4})?$`));
    expect(await dueLabel(page, "Water the plants")).toBe("Due today");
    expect(await dueLabel(page, "Book the dentist")).toBe("Due tomorrow");

    // Each is stored as the instant the day starts here.
    const stored = await storedDueDates(page);
    for (const task of tasks) expect(wallClock(timeZone, Date.parse(stored[task.title]!)), task.title).toBe(`${task.due} 00:00`);

    await page.getByRole("link", { name: "Edit “Water the plants”" }).click();
    await page.getByRole("heading", { name: "Edit task" }).waitFor();
    expect(await page.getByLabel("Due date (optional)").inputValue()).toBe(today);
    await page.getByLabel("Title", { exact: true }).fill("Water the plants on the balcony");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Saved “Water the plants on the balcony”.").waitFor();
    expect(await dueLabel(page, "Water the plants on the balcony")).toBe("Due today");
    expect((await storedDueDates(page))["Water the plants on the balcony"]).toBe(stored["Water the plants"]);
    expect(ada.pageErrors).toEqual([]);
    await ada.context.close();
  });
}
