// What one action costs in GraphQL requests, on the real system with the API's default per-user budget (600 a
// minute): adding tasks as fast as a person can and at a steady pace, completing, editing and deleting, with a
// second tab open on the list. Each request is put down to the action during which it was sent. Before the live
// refetch waited for its own answer, two of four adds 2.5 s apart sent 48-65 requests each and a burst of adds
// ran into the budget ("Too many requests").
import type { Browser, Page } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import { addTask, newVisitor, signUp, withAppInChromium } from "../support/browser.ts";

/** In the tab that acts: its mutation, urql's refetch of what is shown after it, one refetch for the live event. */
const ACTING_TAB_BOUND = 3;
/** In another tab on the list: one refetch for the live event. */
const OTHER_TAB_BOUND = 1;
/** A list load for the screen an action opens (Save on the edit screen goes back to the list). */
const SCREEN_OPENED = 1;
const PACE_MS = 2_500;

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started), {
  API_REQUESTS_PER_MINUTE_PER_USER: "600",
  API_REQUESTS_PER_MINUTE_PER_IP: "1200",
});

interface Sent {
  at: number;
  tab: "acting" | "other";
  operation: string;
}

/** Every GraphQL request of the tab (the live stream's own connection aside), and every 429 it was answered. */
function watch(page: Page, tab: Sent["tab"], sent: Sent[], refused: string[]) {
  page.on("request", (request) => {
    if (new URL(request.url()).pathname !== "/graphql") return;
    const operation = String(request.postDataJSON()?.operationName ?? "?");
    if (operation !== "TaskEvents") sent.push({ at: Date.now(), tab, operation });
  });
  page.on("response", (response) => {
    if (response.status() === 429) refused.push(`${tab}: ${response.url()}`);
  });
}

interface Cost {
  action: string;
  acting: number;
  other: number;
  operations: string[];
}

function costOf(action: string, sent: Sent[], from: number, to: number): Cost {
  const during = sent.filter((request) => request.at >= from && request.at < to);
  return {
    action,
    acting: during.filter((request) => request.tab === "acting").length,
    other: during.filter((request) => request.tab === "other").length,
    operations: during.map((request) => `${request.tab}:${request.operation}`),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

test("adding 20 tasks quickly and 10 at a 2.5 s pace, completing, editing and deleting, with a second tab on the list: each action costs its tab at most 3 requests (4 when it opens the list) and the other tab 1, and the budget is never reached", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  await signUp(ada);
  const acting = ada.page;
  const other = await ada.context.newPage();
  await other.goto("/");
  await other.getByRole("heading", { name: "New task" }).waitFor();
  for (const page of [acting, other]) await expect.poll(() => page.locator(".live-indicator").innerText()).toBe("Live");
  const sent: Sent[] = [];
  const refused: string[] = [];
  watch(acting, "acting", sent, refused);
  watch(other, "other", sent, refused);
  const burst: Cost[] = [];
  const paced: Cost[] = [];

  try {
    // As fast as a person can: each add as soon as the previous one shows.
    const starts: number[] = [];
    for (let index = 1; index <= 20; index += 1) {
      starts.push(Date.now());
      await addTask(acting, `Quick ${index}`);
    }
    await pause(PACE_MS); // what the last add set off has settled
    const end = Date.now();
    burst.push(costOf("20 quick adds", sent, starts[0]!, end));
    burst.push(...starts.map((start, index) => costOf(`quick add ${index + 1}`, sent, start, starts[index + 1] ?? end)));

    // At a steady pace: each action's window is the 2.5 s from its start.
    async function paceAction(action: string, act: () => Promise<void>, setUp?: () => Promise<void>) {
      await setUp?.();
      await pause(300);
      const start = Date.now();
      await act();
      await pause(start + PACE_MS - Date.now());
      paced.push(costOf(action, sent, start, Date.now()));
    }
    for (let index = 1; index <= 10; index += 1) await paceAction(`paced add ${index}`, () => addTask(acting, `Paced ${index}`));
    for (const title of ["Paced 10", "Paced 9", "Quick 20"]) {
      await paceAction(`complete “${title}”`, async () => {
        await acting.getByRole("checkbox", { name: `Done: ${title}` }).click();
        await expect.poll(() => other.getByRole("checkbox", { name: `Done: ${title}` }).isChecked()).toBe(true);
      });
    }
    await paceAction(
      "edit “Paced 8”",
      async () => {
        await acting.getByLabel("Title", { exact: true }).fill("Paced 8, renamed");
        await acting.getByRole("button", { name: "Save changes" }).click();
        await other.getByText("Paced 8, renamed", { exact: true }).waitFor();
      },
      async () => {
        await acting.getByRole("link", { name: "Edit “Paced 8”" }).click();
        await acting.getByRole("heading", { name: "Edit task" }).waitFor();
      },
    );
    for (const title of ["Paced 7", "Quick 12"]) {
      await paceAction(`delete “${title}”`, async () => {
        await acting.getByRole("button", { name: `Delete “${title}”` }).click();
        await acting.getByRole("alertdialog").getByRole("button", { name: "Delete task" }).click();
        await other.getByText(title, { exact: true }).waitFor({ state: "detached" });
      });
    }
  } finally {
    // Also when an action timed out, as a storm of requests makes it do.
    const lines = [...burst, ...paced].map((cost) => `  ${cost.action}: ${cost.acting}, ${cost.other}`);
    console.log(
      `GraphQL requests per action (acting tab, other tab):\n${lines.join("\n")}\n  in all: ${sent.length}, refused (429): ${refused.length}`,
    );
  }

  expect(refused).toEqual([]);
  for (const page of [acting, other]) expect(await page.getByText(/Too many requests/).count()).toBe(0);
  // In the burst the actions overlap, so a request may fall in the next add's window: their sum is what is bounded.
  expect(burst[0]!.acting).toBeLessThanOrEqual(20 * ACTING_TAB_BOUND);
  expect(burst[0]!.other).toBeLessThanOrEqual(20 * OTHER_TAB_BOUND);
  for (const cost of paced) {
    const opened = cost.action.startsWith("edit") ? SCREEN_OPENED : 0;
    expect(cost.acting, `${cost.action}: ${cost.operations.join(", ")}`).toBeLessThanOrEqual(ACTING_TAB_BOUND + opened);
    expect(cost.other, `${cost.action}: ${cost.operations.join(", ")}`).toBeLessThanOrEqual(OTHER_TAB_BOUND);
    expect(cost.acting, `${cost.action} sent its mutation`).toBeGreaterThanOrEqual(1);
  }
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
}, 240_000);
