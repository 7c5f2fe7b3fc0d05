// Change password on the Account screen, in chromium against the real services, with another device signed in
// to the same account. With "Sign out my other devices" Better Auth ends every session of the account, this
// one included, and gives this browser a new one (a new cookie): the app must carry on in the new session with
// a new token, say the password was changed, and leave only the other devices signed out. Four times in a row,
// since the race it loses (the API ending the old session's token before the new cookie is there) is one of
// timing. A wrong current password, and a spent budget for re-entered passwords, read like the app's other
// messages.
import type { Browser, Page } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import { newVisitor, PASSWORD, signIn, signUp, withAppInChromium, type BrowserUser } from "../support/browser.ts";

const WRONG_PASSWORDS_ALLOWED = 2;
/**
 * Better Auth's own limit on /change-password per client IP, which every test here shares: its default special
 * rule allows 3 requests, and counts afresh only once 10 s have passed since the last one allowed.
 */
const BETTER_AUTH_CHANGES = { max: 3, quietMs: 10_000 };
let changesInARow = { count: 0, last: 0 };

/** Waits until one more password change stays within Better Auth's per-IP limit, and counts it. */
async function roomForAPasswordChange(): Promise<void> {
  if (Date.now() - changesInARow.last >= BETTER_AUTH_CHANGES.quietMs) changesInARow = { count: 0, last: 0 };
  if (changesInARow.count >= BETTER_AUTH_CHANGES.max) {
    await new Promise((resolve) => setTimeout(resolve, changesInARow.last + BETTER_AUTH_CHANGES.quietMs + 250 - Date.now()));
    changesInARow = { count: 0, last: 0 };
  }
  changesInARow = { count: changesInARow.count + 1, last: Date.now() };
}

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started), { AUTH_SIGN_IN_FAILURES_PER_ACCOUNT: String(WRONG_PASSWORDS_ALLOWED) });

/** The same account in a browser context of its own, signed in with `password`. */
async function anotherDevice(account: BrowserUser, password: string): Promise<BrowserUser> {
  const device = { ...(await newVisitor(browser, app, account.name)), email: account.email };
  await device.page.goto("/sign-in");
  await device.page.getByLabel("Email").fill(account.email);
  await device.page.getByLabel("Password").fill(password);
  await device.page.getByRole("button", { name: "Sign in", exact: true }).click();
  await device.page.getByRole("heading", { name: "New task" }).waitFor();
  return device;
}

/** The session the auth service has for the page's cookie, as the app's session check reads it. */
async function sessionIdOf(page: Page): Promise<string | null> {
  return page.evaluate(async () => {
    const answer = (await (await fetch("/api/auth/get-session")).json()) as { session?: { id: string } } | null;
    return answer?.session?.id ?? null;
  });
}

/** The `sid` of the token on each GraphQL request the page sends from now on, with the answer's status. */
function watchTokens(page: Page): { sid: string; status: number }[] {
  const seen: { sid: string; status: number }[] = [];
  page.on("response", async (response) => {
    const request = response.request();
    if (new URL(request.url()).pathname !== "/graphql" || request.postDataJSON()?.operationName === "TaskEvents") return;
    const token = (request.headers().authorization ?? "").replace(/^(Bearer|DPoP) /, "");
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString() || "{}") as { sid?: string };
    seen.push({ sid: claims.sid ?? "", status: response.status() });
  });
  return seen;
}

/** Fills and sends the form; `answered` is the auth service's answer (waited for from just before the click). */
async function changePassword(page: Page, current: string, next: string, signOutOthers: boolean) {
  const form = page.getByRole("form", { name: "Change password" });
  await form.getByLabel("Current password").fill(current);
  await form.getByLabel("New password").fill(next);
  await form.getByLabel("Sign out my other devices").setChecked(signOutOthers);
  // After the wait for Better Auth's per-IP room, which may take 10 s: the answer's own wait starts at the click.
  await roomForAPasswordChange();
  const answered = page.waitForResponse((response) => response.url().endsWith("/api/auth/change-password"));
  answered.catch(() => {}); // awaited by the callers that want it; never an unhandled rejection for the others
  await form.getByRole("button", { name: "Change password" }).click();
  return Object.assign(form, { answered });
}

test("with “Sign out my other devices”, four times in a row: it says so, this device carries on in a new session with a new token, and only the other device is signed out", async () => {
  const laptop = await newVisitor(browser, app, "Pat");
  await signUp(laptop);
  const tokens = watchTokens(laptop.page);
  let password = PASSWORD;

  for (let round = 1; round <= 4; round += 1) {
    const phone = await anotherDevice(laptop, password);
    await laptop.page.goto("/account");
    await laptop.page.locator(".live-indicator", { hasText: "Live" }).waitFor();
    const sessionBefore = await sessionIdOf(laptop.page);
    const sidsBefore = new Set(tokens.map((seen) => seen.sid));

    const newPassword = `${PASSWORD} round ${round}`;
    const form = await changePassword(laptop.page, password, newPassword, true);
    await form.getByRole("status").filter({ hasText: "Password changed. Your other devices were signed out." }).waitFor();
    expect(await form.getByLabel("Current password").inputValue()).toBe("");
    expect(await form.getByLabel("New password").inputValue()).toBe("");
    password = newPassword;

    // The other device lands on sign-in by itself (its live stream ends with its session).
    await phone.page.getByRole("heading", { name: "Sign in" }).waitFor({ timeout: 5_000 });
    expect(await phone.page.getByRole("alert").innerText()).toBe("You were signed out.");

    // This one stays, on a new session: still the Account screen, live again, and its tasks load with a new token.
    await laptop.page.locator(".live-indicator", { hasText: "Live" }).waitFor({ timeout: 5_000 });
    expect(await laptop.page.getByRole("heading", { name: "Account", level: 1 }).isVisible()).toBe(true);
    expect(await form.getByRole("status").innerText()).toBe("Password changed. Your other devices were signed out.");
    const sessionAfter = await sessionIdOf(laptop.page);
    expect(sessionAfter).not.toBeNull();
    expect(sessionAfter).not.toBe(sessionBefore);
    const requestsBefore = tokens.length;
    await laptop.page.getByRole("link", { name: "Tasks", exact: true }).click();
    await laptop.page.getByText("No tasks yet. Add your first one above.").waitFor();
    const after = tokens.slice(requestsBefore);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((seen) => seen.status === 200 && !sidsBefore.has(seen.sid))).toBe(true);
    expect(await laptop.page.getByText("You were signed out.").count()).toBe(0);
    expect(phone.pageErrors).toEqual([]);
    await phone.context.close();
  }
  expect(laptop.pageErrors).toEqual([]);
  await laptop.context.close();
});

test("without it: it says so, and both devices stay signed in", async () => {
  const laptop = await newVisitor(browser, app, "Sam");
  await signUp(laptop);
  const phone = await anotherDevice(laptop, PASSWORD);
  await laptop.page.goto("/account");
  const sessionBefore = await sessionIdOf(laptop.page);

  const form = await changePassword(laptop.page, PASSWORD, `${PASSWORD} again`, false);
  await form.getByRole("status").filter({ hasText: "Password changed." }).waitFor();
  expect(await form.getByRole("status").innerText()).toBe("Password changed.");
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // a revocation would have reached the API by now
  await phone.page.reload();
  await phone.page.getByRole("heading", { name: "New task" }).waitFor();
  expect(await sessionIdOf(laptop.page)).toBe(sessionBefore);
  await laptop.page.getByRole("link", { name: "Tasks", exact: true }).click();
  await laptop.page.getByText("No tasks yet. Add your first one above.").waitFor();
  expect([...laptop.pageErrors, ...phone.pageErrors]).toEqual([]);
  await Promise.all([laptop.context.close(), phone.context.close()]);
});

test("a wrong current password is said in plain words and changes nothing; once the account's wrong passwords are spent, it says how long to wait", async () => {
  const user = await newVisitor(browser, app, "Kim");
  await signUp(user);
  await user.page.goto("/account");
  for (let attempt = 1; attempt <= WRONG_PASSWORDS_ALLOWED; attempt += 1) {
    const form = await changePassword(user.page, `not my password ${attempt}`, `${PASSWORD} new`, true);
    expect((await form.answered).status()).toBe(400);
    await form.getByRole("alert").filter({ hasText: "That is not your current password. Check it and try again." }).waitFor();
  }
  const form = await changePassword(user.page, PASSWORD, `${PASSWORD} new`, true); // even the right one, now
  await form
    .getByRole("alert")
    .filter({ hasText: /^Too many wrong passwords\. Try again in \d+ minutes\.$/ })
    .waitFor();
  expect(await form.getByRole("status").count()).toBe(0);

  // Nothing changed: the old password still signs in.
  const elsewhere = { ...(await newVisitor(browser, app, "Kim")), email: user.email };
  await elsewhere.page.goto("/sign-in");
  await signIn(elsewhere);
  expect([...user.pageErrors, ...elsewhere.pageErrors]).toEqual([]);
  await Promise.all([user.context.close(), elsewhere.context.close()]);
});
