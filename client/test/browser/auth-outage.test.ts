// The auth service goes away for longer than a token lives, while a person is signed in and typing. The API
// still runs (it verifies with the keys it has), but the page cannot get a new token. The page must say that
// signing in is unavailable (not that the person did something wrong, nor a blank screen), keep what they
// typed, and come back by itself once the auth service does: no reload, no click on Retry.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { addTask, launchBrowser, newVisitor, signUp, taskTitles } from "../support/browser.ts";
import { type AppWithStoppableAuth, startAppWithStoppableAuth } from "../support/stoppable-auth.ts";

/** Tokens this short run out while the auth service is away, so the page must ask it for a new one. */
const TOKEN_SECONDS = 8;
/** The live stream's longest wait between attempts (graphql/live-exchange.ts MAX_RETRY_MS). */
const STREAM_RETRY_MAX_MS = 30_000;

let app: AppWithStoppableAuth;
let browser: Browser;

beforeAll(async () => {
  [app, browser] = await Promise.all([
    startAppWithStoppableAuth({ JWT_EXPIRATION: `${TOKEN_SECONDS}s`, JWT_CLOCK_TOLERANCE_SECONDS: "0" }),
    launchBrowser(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

test("signing in unavailable: the page says so, keeps what was typed, and loads again by itself when the auth service is back", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  await signUp(ada);
  await addTask(ada.page, "Written before the outage");
  const editLink = ada.page.getByRole("link", { name: "Edit “Written before the outage”" });

  await app.stopAuth();
  const typed = "Typed while signing in was away";
  await ada.page.getByLabel("Title", { exact: true }).fill(typed);
  await ada.page.waitForTimeout((TOKEN_SECONDS + 1) * 1000); // the page's token has expired

  // Saving needs a new token: refused with the reason, and the title stays in the field.
  await ada.page.getByRole("button", { name: "Add task" }).click();
  const unavailable = ada.page.getByRole("alert").filter({ hasText: "Signing in is unavailable right now" });
  await unavailable.first().waitFor();
  expect(await ada.page.getByLabel("Title", { exact: true }).inputValue()).toBe(typed);

  // A screen that loads data says so too.
  await editLink.click();
  await ada.page.getByRole("alert").filter({ hasText: "Signing in is unavailable right now" }).waitFor();

  const outageEnded = Date.now();
  await app.startAuth();
  // No click, no reload: the task's page loads once a token can be had again (the live stream, retrying with
  // backoff, reopens and refetches what the screen shows).
  // (The error card has the heading "Edit task" too: the form's Title field is what tells them apart.)
  const title = ada.page.getByLabel("Title", { exact: true });
  await title.waitFor({ timeout: STREAM_RETRY_MAX_MS + 5_000 });
  expect(await title.inputValue()).toBe("Written before the outage");
  console.log(`auth service back: the task page loaded by itself after ${Date.now() - outageEnded} ms`);

  // Back on the list, what was typed is still in the form, and it saves.
  await ada.page.getByRole("link", { name: "Back to your tasks" }).click();
  expect(await ada.page.getByLabel("Title", { exact: true }).inputValue()).toBe(typed);
  await ada.page.getByRole("button", { name: "Add task" }).click();
  await ada.page.getByRole("list", { name: "Tasks" }).getByText(typed, { exact: true }).waitFor();
  expect(await taskTitles(ada.page)).toEqual([typed, "Written before the outage"]);
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
  // Sign-up, a token's life of outage, and at worst the stream's longest wait: more than the default 60 s.
}, 120_000);
