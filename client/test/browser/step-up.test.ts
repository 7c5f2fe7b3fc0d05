// An admin's step-up in chromium against the real services, with the API's and the auth service's max age
// (API_STEP_UP_MAX_AGE_S, AUTH_STEP_UP_MAX_AGE_S) at 5 s: an admin whose
// second factor is older than that opens Users (admin) and is asked for a code before the list shows (a wrong
// code explained first); later a ban, its reason typed, is refused by the auth service for the same reason, the
// dialog asks again, and the ban goes through once, with that reason. And an admin whose only second factor is a
// passkey (Chromium's virtual authenticator) steps up with "Use a passkey": the list loads, the app carries on as
// the same person, and the session the passkey replaced is ended.
import type { Browser, Request } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import { newVisitor, PASSWORD, screenshotPath, signUp, withAppInChromium } from "../support/browser.ts";
import { roomForATwoFactorRequest, turnOnTwoStepVerificationAndSignIn } from "../support/two-factor.ts";
import { addVirtualAuthenticator } from "../support/virtual-authenticator.ts";

const MAX_AGE_SECONDS = 5;

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started), {
  API_STEP_UP_MAX_AGE_S: String(MAX_AGE_SECONDS),
  AUTH_STEP_UP_MAX_AGE_S: String(MAX_AGE_SECONDS),
});

/**
 * This test's own time limit. It waits by design: the max age twice (6 s each), Better Auth's pace for
 * /two-factor/* (up to 10 s), and four codes never used before, of which the last two may each wait for the next
 * 30 s step (the server refuses a code twice). About 95 s at worst, beside the browser's own work; the default
 * 60 s failed in CI when the steps fell badly.
 */
const STEP_UP_TWICE_MS = 150_000;

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
}, STEP_UP_TWICE_MS);

test("an admin whose only second factor is a passkey steps up with it: the list loads, as the same person, in one session", async () => {
  const victim = await newVisitor(browser, app, "Val");
  await signUp(victim);
  const admin = await newVisitor(browser, app, "Pia");
  await signUp(admin);
  const { page } = admin;
  await addVirtualAuthenticator(page);
  await page.goto("/account");
  const card = page.getByRole("region", { name: "Passkeys" });
  await card.getByLabel("Passkey name").fill("Work laptop");
  await card.getByLabel("Current password").fill(PASSWORD);
  await card.getByRole("button", { name: "Add a passkey" }).click();
  await card.getByRole("status").filter({ hasText: "Passkey added" }).waitFor();
  await app.grantAdmin(admin.email); // the operator accepts a passkey as the second factor

  // This session was signed in with the password alone: no second factor in it, however recent.
  await page.reload(); // the next token carries the role
  await page.getByRole("link", { name: "Users (admin)" }).click();
  const stepUp = page.getByRole("dialog", { name: "Confirm it is you" });
  await stepUp.getByText("Use your passkey to confirm it is you.").waitFor();
  await page.screenshot({ path: screenshotPath("step-up-dialog-passkey.png") });
  await stepUp.getByRole("button", { name: "Use a passkey" }).click();
  await page.getByRole("list", { name: "Users" }).getByRole("listitem").filter({ hasText: victim.email }).waitFor();
  await stepUp.waitFor({ state: "detached" });

  // The same person, in the passkey's session alone (the one it replaced was ended), whose token says mfa.
  const after = await page.evaluate(async () => {
    const session = (await (await fetch("/api/auth/get-session")).json()) as { user: { email: string } };
    const sessions = (await (await fetch("/api/auth/list-sessions")).json()) as unknown[];
    const { token } = (await (await fetch("/api/auth/token")).json()) as { token: string };
    const claims = JSON.parse(atob((token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/"))) as { amr: string[] };
    return { email: session.user.email, sessions: sessions.length, amr: claims.amr };
  });
  expect(after).toEqual({ email: admin.email, sessions: 1, amr: ["swk", "user", "mfa"] });
  await page.getByRole("button", { name: "Sign out", exact: true }).waitFor(); // still signed in
  expect(admin.pageErrors).toEqual([]);
});
