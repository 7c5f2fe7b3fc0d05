// Signing in with two-step verification on (server/src/auth/second-factor.ts), in chromium against the real
// services: after the password the app asks for a code; a wrong one reads as the app's other messages, the
// authenticator's code (computed here by RFC 6238 from the secret the auth service gave) signs in, and so does
// a backup code. Two-step verification is turned on over HTTP from the signed-in page, as the Account
// screen's controls do (two-step-enrolment.test.ts goes through those).
import type { Browser } from "playwright-core";
import { expect, test } from "vitest";
import { authenticatorApp } from "../../../server/test/support/totp.ts";
import type { RunningApp } from "../support/app-server.ts";
import { endSessionBehindTheAppsBack, PASSWORD, signUpInNewContext, submitSignIn, withAppInChromium } from "../support/browser.ts";
import { postFromPage, roomForATwoFactorRequest } from "../support/two-factor.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

test("after the password the app asks for a code: a wrong one is explained, the app's code signs in, and so does a backup code", async () => {
  const user = await signUpInNewContext(browser, app, "Grace");
  const { page } = user;
  const enabled = await postFromPage(page, "/two-factor/enable", { password: PASSWORD });
  expect(enabled.status).toBe(200);
  const code = authenticatorApp(enabled.body.totpURI);
  expect((await postFromPage(page, "/two-factor/verify-totp", { code: await code() })).status).toBe(200);
  // Turning it on renewed the session behind the app's back (the Account screen's controls follow that).
  await endSessionBehindTheAppsBack(page);

  await submitSignIn(user);
  await page.getByRole("heading", { name: "Two-step verification" }).waitFor();
  await page.getByLabel("Code").fill("000000");
  await roomForATwoFactorRequest();
  await page.getByRole("button", { name: "Verify" }).click();
  await expect
    .poll(() => page.locator(".problem[role=alert]").innerText())
    .toBe("That code is not right. Enter the one your authenticator app shows now.");

  await roomForATwoFactorRequest();
  await page.getByLabel("Code").fill(await code());
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByRole("heading", { name: "New task" }).waitFor();

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await submitSignIn(user);
  await page.getByRole("button", { name: "Use a backup code instead" }).click();
  await page.getByLabel("Backup code").fill(enabled.body.backupCodes[0]);
  await roomForATwoFactorRequest();
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByRole("heading", { name: "New task" }).waitFor();
  expect(user.pageErrors).toEqual([]);
});

test("going back from the second step shows the sign-in form again, ready for another try", async () => {
  const user = await signUpInNewContext(browser, app, "Linus");
  const { page } = user;
  const enabled = await postFromPage(page, "/two-factor/enable", { password: PASSWORD });
  expect((await postFromPage(page, "/two-factor/verify-totp", { code: await authenticatorApp(enabled.body.totpURI)() })).status).toBe(200);
  await endSessionBehindTheAppsBack(page);
  await submitSignIn(user);
  await page.getByRole("button", { name: "Back to sign in" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  expect(await page.getByRole("button", { name: "Sign in", exact: true }).isEnabled()).toBe(true);
  expect(await page.getByLabel("Password").inputValue()).toBe("");
  expect(user.pageErrors).toEqual([]);
});
