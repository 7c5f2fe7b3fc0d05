// Two-step verification from the Account screen, in chromium against the real services: turned on with the
// password, the QR code drawn in the page (it encodes exactly the key the auth service answered) and the key as
// text, from which an authenticator app (RFC 6238, computed here) makes the code that turns it on; the ten backup
// codes shown once, copied and downloaded; then sign-in asks for a code. New backup codes make the old ones
// fail at sign-in and the new ones work; turning it off takes the password and a code, and then the password
// alone signs in. Turning it on and off replaces the tab's session: the app carries on signed in, with a token
// the API accepts. No step breaks the page's Content-Security-Policy.
import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { create } from "qrcode";
import { expect, test } from "vitest";
import { authenticatorApp, secretFromUri } from "../../../server/test/support/totp.ts";
import type { RunningApp } from "../support/app-server.ts";
import {
  addTask,
  type BrowserUser,
  newVisitor,
  PASSWORD,
  recordCspViolations,
  screenshotPath,
  signIn,
  signUp,
  submitSignIn,
  withAppInChromium,
} from "../support/browser.ts";
import { twoFactorBudget } from "../support/two-factor-budget.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

const roomForATwoFactorRequest = twoFactorBudget();
const BACKUP_CODE = /^[A-Za-z0-9]{5}-[A-Za-z0-9]{5}$/;

async function openAccount(page: Page) {
  await page.getByRole("link", { name: "Account" }).click();
  await page.getByRole("heading", { name: "Account", level: 1 }).waitFor();
  return page.getByRole("region", { name: "Two-step verification" });
}

/** The backup codes on screen, once they are. */
async function shownBackupCodes(page: Page): Promise<string[]> {
  const list = page.getByRole("list", { name: "Backup codes" });
  await list.waitFor();
  return (await list.getByRole("listitem").allInnerTexts()).map((code) => code.trim());
}

/** The dark modules of the page's QR code, as "x y" (the path draws each as a unit square). */
async function drawnModules(page: Page): Promise<string[]> {
  const d = await page.getByRole("img", { name: "QR code for your authenticator app" }).locator("path").getAttribute("d");
  return [...(d ?? "").matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map(([, x, y]) => `${Number(x) - 4} ${Number(y) - 4}`);
}

function modulesOf(text: string): string[] {
  const { modules } = create(text, { errorCorrectionLevel: "M" });
  const dark: string[] = [];
  for (let row = 0; row < modules.size; row += 1)
    for (let column = 0; column < modules.size; column += 1) if (modules.get(row, column)) dark.push(`${column} ${row}`);
  return dark;
}

/** Where the keyboard is: the focused element's text. */
const focused = (page: Page) => page.evaluate(() => document.activeElement?.textContent?.trim());

/** At a phone's width the page is no wider than the window (the QR code, the key and the codes fit). */
async function fitsAPhone(page: Page): Promise<void> {
  await page.setViewportSize({ width: 390, height: 800 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1000, height: 800 });
}

/** Still signed in, on a session the API accepts: a task added now shows in the list. */
async function carriesOnSignedIn(user: BrowserUser, title: string): Promise<void> {
  const { page } = user;
  // The API refuses the replaced session's token within a second of its end: give that time to happen.
  await page.waitForTimeout(1_500);
  expect(await page.getByRole("heading", { name: "Sign in" }).count()).toBe(0);
  await page.getByRole("link", { name: "Tasks", exact: true }).click();
  await addTask(page, title);
}

async function secondStep(user: BrowserUser, code: string, { backup = false } = {}): Promise<void> {
  const { page } = user;
  await submitSignIn(user);
  await page.getByRole("heading", { name: "Two-step verification" }).waitFor();
  if (backup) await page.getByRole("button", { name: "Use a backup code instead" }).click();
  await page.getByLabel(backup ? "Backup code" : "Code", { exact: true }).fill(code);
  await roomForATwoFactorRequest();
  await page.getByRole("button", { name: "Verify" }).click();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
}

test("turned on from Account with the QR code's key and a code; backup codes shown once; renewed; turned off with a code", async () => {
  const user = await newVisitor(browser, app, "Enrol");
  const violations = await recordCspViolations(user.context);
  await user.context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const { page } = user;
  await signUp(user);

  // Turning it on: the password first.
  let card = await openAccount(page);
  await card.getByText("Off.").waitFor();
  const turnOn = card.getByRole("form", { name: "Turn on two-step verification" });
  await turnOn.getByLabel("Current password").fill("not my password at all");
  await roomForATwoFactorRequest();
  await turnOn.getByRole("button", { name: "Turn on two-step verification" }).click();
  await turnOn.getByText("That is not your current password.").waitFor();
  await turnOn.getByLabel("Current password").fill(PASSWORD);
  await roomForATwoFactorRequest();
  const enabled = page.waitForResponse((response) => response.url().endsWith("/api/auth/two-factor/enable") && response.ok());
  await turnOn.getByRole("button", { name: "Turn on two-step verification" }).click();
  const { totpURI } = (await (await enabled).json()) as { totpURI: string };

  // The QR code is drawn in the page and encodes exactly what the auth service answered; the key is there as text.
  await card.getByRole("heading", { name: "Set up your authenticator app" }).waitFor();
  await expect.poll(() => focused(page)).toBe("Set up your authenticator app");
  await fitsAPhone(page);
  const qr = card.getByRole("img", { name: "QR code for your authenticator app" });
  expect(await qr.evaluate((element) => element.tagName.toLowerCase())).toBe("svg");
  expect((await qr.boundingBox())?.width).toBeGreaterThan(150);
  expect((await drawnModules(page)).sort()).toEqual(modulesOf(totpURI).sort());
  await page.screenshot({ path: screenshotPath("account-two-step-setup.png"), fullPage: true });
  const secret = (await card.locator(".totp-secret").innerText()).replace(/\s/g, "");
  expect(Buffer.from(secretFromUri(`otpauth://totp/x?secret=${secret}`))).toEqual(secretFromUri(totpURI));
  const app_ = authenticatorApp(`otpauth://totp/Tasks:typed-in?secret=${secret}`); // the app, given the key by hand

  // A wrong code turns nothing on; the app's code does.
  const confirm = card.getByRole("form", { name: "Set up your authenticator app" });
  await confirm.getByLabel("Code from the app").fill("000000");
  await roomForATwoFactorRequest();
  await confirm.getByRole("button", { name: "Turn on", exact: true }).click();
  await confirm.getByText("That code is not right.").waitFor();
  await confirm.getByLabel("Code from the app").fill(await app_());
  await roomForATwoFactorRequest();
  await confirm.getByRole("button", { name: "Turn on", exact: true }).click();
  await card.getByRole("status").getByText("Two-step verification is on.").waitFor();

  // Ten backup codes, shown once, with a Copy and a Download of the same ten.
  const codes = await shownBackupCodes(page);
  expect(codes).toHaveLength(10);
  expect(new Set(codes).size).toBe(10);
  for (const code of codes) expect(code).toMatch(BACKUP_CODE);
  await card.getByText("They are shown only once.").waitFor();
  await expect.poll(() => focused(page)).toBe("Your backup codes");
  await fitsAPhone(page);
  await card.getByRole("button", { name: "Copy" }).click();
  await card.getByText("Copied the backup codes.").waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  for (const code of codes) expect(copied).toContain(code);
  const [download] = await Promise.all([page.waitForEvent("download"), card.getByRole("link", { name: "Download" }).click()]);
  expect(download.suggestedFilename()).toBe("tasks-backup-codes.txt");
  const file = await readFile(await download.path(), "utf8");
  expect(file.split("\n").filter((line) => BACKUP_CODE.test(line))).toEqual(codes);
  await page.screenshot({ path: screenshotPath("account-backup-codes.png"), fullPage: true });
  await card.getByRole("button", { name: "I have saved them" }).click();
  expect(await page.getByRole("list", { name: "Backup codes" }).count()).toBe(0);
  expect(await focused(page)).toBe("Two-step verification");
  await card.getByText("On: signing in asks for a code").waitFor();

  // Turning it on replaced this tab's session: the app carries on in the new one.
  await carriesOnSignedIn(user, "After turning it on");

  // Sign-in now asks for a code.
  await signOut(page);
  await secondStep(user, await app_());
  await page.getByRole("heading", { name: "New task" }).waitFor();

  // New backup codes: the old ones stop working.
  card = await openAccount(page);
  const renew = card.getByRole("form", { name: "New backup codes" });
  await renew.getByLabel("Current password").fill(PASSWORD);
  await roomForATwoFactorRequest();
  await renew.getByRole("button", { name: "Make new backup codes" }).click();
  await card
    .getByRole("status")
    .getByText("New backup codes made. Your old ones no longer work, and your other devices were signed out.")
    .waitFor();
  const newCodes = await shownBackupCodes(page);
  expect(newCodes).toHaveLength(10);
  expect(newCodes.filter((code) => codes.includes(code))).toEqual([]);
  await card.getByRole("button", { name: "I have saved them" }).click();

  await signOut(page);
  await secondStep(user, codes[0]!, { backup: true });
  await page.getByText("That backup code is not right, or was already used.").waitFor();
  await page.getByLabel("Backup code", { exact: true }).fill(newCodes[0]!);
  await roomForATwoFactorRequest();
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByRole("heading", { name: "New task" }).waitFor();

  // Turning it off takes the password and a code.
  card = await openAccount(page);
  const turnOff = card.getByRole("form", { name: "Turn off two-step verification" });
  await turnOff.getByLabel("Current password").fill(PASSWORD);
  await turnOff.getByLabel("Code from your app, or a backup code").fill(await app_());
  await roomForATwoFactorRequest();
  await turnOff.getByRole("button", { name: "Turn off two-step verification" }).click();
  await card.getByRole("status").getByText("Two-step verification is off. Your other devices were signed out.").waitFor();
  await card.getByRole("form", { name: "Turn on two-step verification" }).waitFor();
  await carriesOnSignedIn(user, "After turning it off");

  // The password alone signs in again.
  await signOut(page);
  await signIn(user);

  expect(violations).toEqual([]);
  expect(user.pageErrors).toEqual([]);
  await user.context.close();
});
