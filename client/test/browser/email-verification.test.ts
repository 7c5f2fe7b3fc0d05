// Verified accounts in chromium against the real services: a sign-up says "Check your inbox" and gives no
// session; a sign-in before the link is opened says so in plain words and offers "Send the link again";
// the link from /dev/mail verifies the address, signs in and lands on the tasks.
import type { Browser } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import { newVisitor, openMailedLink, PASSWORD, screenshotPath, submitSignIn, withAppInChromium } from "../support/browser.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

test("sign up, sign in before verifying (refused, with Send the link again), then the link from /dev/mail signs in", async () => {
  const user = await newVisitor(browser, app, "Val");
  const { page } = user;
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(user.name);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
  expect(await page.locator("main").innerText()).toContain(user.email);
  await page.screenshot({ path: screenshotPath("check-inbox.png") });
  expect((await page.context().cookies()).filter((cookie) => cookie.name.includes("session_token"))).toEqual([]);

  await page.getByRole("link", { name: "Back to sign in" }).click();
  await submitSignIn(user);
  await page.getByText("Verify your email address first").waitFor();
  await page.getByRole("button", { name: "Send the link again" }).click();
  await page.getByText("Sent.").waitFor();

  await openMailedLink(page, user.email, "Verify your email for Tasks");
  await page.getByRole("heading", { name: "New task" }).waitFor();
  expect(new URL(page.url()).pathname).toBe("/");
  expect(user.pageErrors).toEqual([]);
});
