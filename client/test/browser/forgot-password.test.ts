// "Forgot password?" in chromium against the real services: the mail is read where a developer reads it,
// on /dev/mail (the development catcher's page on the SPA's origin), its link followed, a new password
// chosen; the old password is refused after, the new one signs in, and a device that was signed in before
// the reset is signed out by it.
import type { Browser } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import {
  newVisitor,
  openMailedLink,
  PASSWORD,
  screenshotPath,
  signIn,
  signUp,
  submitSignIn,
  withAppInChromium,
} from "../support/browser.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

const NEW_PASSWORD = "a brand new passphrase 42";

test("forgot password end to end: the link from /dev/mail, a new password, the old one refused, the other device signed out", async () => {
  const user = await newVisitor(browser, app, "Fay");
  await signUp(user);
  const otherDevice = await newVisitor(browser, app, "Fay");
  otherDevice.email = user.email;
  await otherDevice.page.goto("/sign-in");
  await signIn(otherDevice);

  const forgetful = await newVisitor(browser, app, "Fay");
  const { page } = forgetful;
  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await page.getByLabel("Email").fill(user.email);
  await page.getByRole("button", { name: "Send the link" }).click();
  await page.getByText("Check your inbox.").waitFor();

  await openMailedLink(page, user.email, "Reset your Tasks password");

  await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
  expect(new URL(page.url()).pathname).toBe("/reset-password");
  await page.getByLabel("New password", { exact: true }).fill("password1234");
  await page.getByLabel("New password again").fill("password1234");
  await page.getByRole("button", { name: "Set the new password" }).click();
  await page.locator(".problem[role=alert]").waitFor();
  expect(await page.locator(".problem[role=alert]").innerText()).toMatch(/common/i);

  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("New password again").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set the new password" }).click();
  await page.getByText("Your password was changed.").waitFor();
  await page.goto("/dev/mail");
  await page.screenshot({ path: screenshotPath("dev-mail.png"), fullPage: true });
  await page.goto("/sign-in?reset=1");

  // The old password is refused; the new one signs in.
  forgetful.email = user.email;
  await submitSignIn(forgetful);
  await page.getByText("Wrong email or password").waitFor();
  expect(await page.getByLabel("Password").inputValue()).toBe(PASSWORD);
  await page.getByLabel("Password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("heading", { name: "New task" }).waitFor();

  // The device signed in before the reset is signed out by it (its next request renews and finds no session).
  await otherDevice.page.reload();
  await otherDevice.page.getByRole("heading", { name: "Sign in" }).waitFor();
  expect([...user.pageErrors, ...otherDevice.pageErrors, ...forgetful.pageErrors]).toEqual([]);
});

test("a used or broken reset link says so and offers a new one", async () => {
  const visitor = await newVisitor(browser, app, "Gus");
  await visitor.page.goto("/reset-password?error=INVALID_TOKEN");
  await visitor.page.getByText("This link has expired or was already used.").waitFor();
  await visitor.page.getByRole("link", { name: "Ask for a new link" }).click();
  await visitor.page.getByRole("heading", { name: "Forgot password" }).waitFor();
});
