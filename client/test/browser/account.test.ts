// The Account screen in chromium against the real services: deleting the account asks for the password,
// then the app lands on sign-in, the tasks are gone, and the address no longer signs in.
import type { Browser } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import { addTask, newVisitor, PASSWORD, screenshotPath, signUp, submitSignIn, withAppInChromium } from "../support/browser.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

test("Delete my account: a wrong password is refused and changes nothing; the right one signs out and the account is gone", async () => {
  const user = await newVisitor(browser, app, "Del");
  await signUp(user);
  await addTask(user.page, "Del's last task");
  const { page } = user;
  await page.getByRole("link", { name: "Account" }).click();
  await page.getByRole("heading", { name: "Account", level: 1 }).waitFor();
  await page.screenshot({ path: screenshotPath("account.png"), fullPage: true });

  const deletion = page.getByRole("form", { name: "Delete my account" });
  const button = deletion.getByRole("button", { name: "Delete my account" });
  expect(await button.isDisabled()).toBe(true);
  await deletion.getByLabel("Password").fill("not my password at all");
  await deletion.getByLabel("I understand my tasks will be deleted").check();
  await button.click();
  await deletion.locator(".problem[role=alert]").waitFor();

  await deletion.getByLabel("Password").fill(PASSWORD);
  await button.click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();

  await submitSignIn(user);
  await page.getByText("Wrong email or password").waitFor();
  expect(user.pageErrors).toEqual([]);
});
