// An admin's step-up in chromium against the real services, with the API's and the auth service's max age
// (API_STEP_UP_MAX_AGE_S, AUTH_STEP_UP_MAX_AGE_S) at 5 s: an admin whose
// second factor is older than that opens Users (admin) and is asked for a code before the list shows (a wrong
// code explained first); later a ban, its reason typed, is refused by the auth service for the same reason, the
// dialog asks again, and the ban goes through once, with that reason.
import type { Browser, Request } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import { newVisitor, screenshotPath, signUp, withAppInChromium } from "../support/browser.ts";
import { roomForATwoFactorRequest, turnOnTwoStepVerificationAndSignIn } from "../support/two-factor.ts";

const MAX_AGE_SECONDS = 5;

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started), {
  API_STEP_UP_MAX_AGE_S: String(MAX_AGE_SECONDS),
  AUTH_STEP_UP_MAX_AGE_S: String(MAX_AGE_SECONDS),
});

/** Lets the second factor verified last grow older than the max age. */
const outlive = () => new Promise((resolve) => setTimeout(resolve, (MAX_AGE_SECONDS + 1) * 1000));

test("an admin with an old second factor is asked for a code on /admin, and again for a ban, which keeps its typed reason", async () => {
  const victim = await newVisitor(browser, app, "Vic");
  await signUp(victim);
  const admin = await newVisitor(browser, app, "Ada");
  await signUp(admin);
  const { code } = await turnOnTwoStepVerificationAndSignIn(admin);
  await app.grantAdmin(admin.email);
  const { page } = admin;
  const banRequests: Request[] = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/api/auth/admin/ban-user") banRequests.push(request);
  });

  await outlive();
  await page.reload(); // the next token carries the role
  await page.getByRole("link", { name: "Users (admin)" }).click();
  const stepUp = page.getByRole("dialog", { name: "Confirm it is you" });
  await stepUp.waitFor();
  await page.screenshot({ path: screenshotPath("step-up-dialog.png") });
  await stepUp.getByLabel("Code").fill("000000");
  await roomForATwoFactorRequest();
  await stepUp.getByRole("button", { name: "Verify" }).click();
  await expect
    .poll(() => stepUp.getByRole("alert").innerText())
    .toBe("That code is not right. Enter the one your authenticator app shows now.");
  await stepUp.getByLabel("Code").fill(await code());
  await roomForATwoFactorRequest();
  await stepUp.getByRole("button", { name: "Verify" }).click();
  const row = page.getByRole("list", { name: "Users" }).getByRole("listitem").filter({ hasText: victim.email });
  await row.waitFor();
  await stepUp.waitFor({ state: "detached" });

  await outlive();
  await row.getByRole("button", { name: `Ban ${victim.email}` }).click();
  const ban = page.getByRole("alertdialog", { name: `Ban ${victim.email}?` });
  await ban.getByLabel("Reason").fill("spam links");
  await ban.getByRole("button", { name: "Ban", exact: true }).click();
  await stepUp.waitFor();
  expect(await ban.getByLabel("Reason").inputValue()).toBe("spam links"); // still there, behind the dialog
  await stepUp.getByLabel("Code").fill(await code());
  await roomForATwoFactorRequest();
  await stepUp.getByRole("button", { name: "Verify" }).click();
  await page.getByText(`Banned ${victim.email}.`).waitFor();
  await expect.poll(() => row.innerText()).toContain("spam links");

  // Refused once for want of a recent second factor, then made once, both with the typed reason.
  expect(banRequests.map((request) => request.postDataJSON().banReason)).toEqual(["spam links", "spam links"]);
  expect(admin.pageErrors).toEqual([]);
});
