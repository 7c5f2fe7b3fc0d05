// "Devices and sessions" against the real services: one user signed in in two browser contexts (two
// devices, as far as the auth service can tell), and "Sign out everywhere else" from one of them.
import type { Browser, Response } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import {
  addTask,
  newVisitor,
  PASSWORD,
  screenshotPath,
  signIn,
  signUp,
  taskTitles,
  withAppInChromium,
  type BrowserUser,
} from "../support/browser.ts";

const PHONE_USER_AGENT =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

/** The same account signed in in a context of its own, which presents itself as a phone. */
async function signInOnAnotherDevice(account: BrowserUser): Promise<BrowserUser> {
  const device = { ...(await newVisitor(browser, app, account.name)), email: account.email };
  await device.context.setExtraHTTPHeaders({ "user-agent": PHONE_USER_AGENT });
  await device.page.goto("/sign-in");
  await signIn(device);
  return device;
}

async function visibleText(user: BrowserUser): Promise<string> {
  return user.page.evaluate(
    () =>
      document.body.innerText +
      [...document.querySelectorAll("input, textarea")].map((field) => (field as HTMLInputElement).value).join("\n"),
  );
}

test("“Sign out everywhere else” on one device: the other lands on sign-in by itself within 2 s (its live stream ends), showing nothing private; this one keeps working", async () => {
  const laptop = await newVisitor(browser, app, "Ada");
  await signUp(laptop);
  await addTask(laptop.page, "Ada's private plan");
  const phone = await signInOnAnotherDevice(laptop);
  await expect.poll(() => taskTitles(phone.page)).toEqual(["Ada's private plan"]); // the list may still be loading

  await laptop.page.getByRole("link", { name: "Devices and sessions" }).click();
  const list = laptop.page.getByRole("list", { name: "Devices and sessions" });
  await expect.poll(() => list.getByRole("listitem").count()).toBe(2);
  const [thisDevice, otherDevice] = [list.getByRole("listitem").nth(0), list.getByRole("listitem").nth(1)];
  expect(await list.getByText("This device", { exact: true }).count()).toBe(1);
  expect(await thisDevice.innerText()).toContain("This device");
  expect(await thisDevice.locator(".device-name").innerText()).toMatch(/^Chrome on Linux/); // headless Chrome on this machine
  expect(await otherDevice.locator(".device-name").innerText()).toBe("Safari on iOS");
  for (const row of [thisDevice, otherDevice]) {
    expect(await row.innerText()).toMatch(/IP address 127\.0\.0\.1/);
    expect(await row.innerText()).toMatch(/Signed in (Today|Yesterday) at \d{1,2}:\d{2} [AP]M/); // en-US in the context's time zone (Yesterday only across midnight)
  }
  expect(await thisDevice.innerText()).toContain("Last active Now");
  expect(await thisDevice.getByRole("button").count()).toBe(0);
  await laptop.page.screenshot({ path: screenshotPath("sessions-screen.png"), fullPage: true });
  await laptop.page.setViewportSize({ width: 375, height: 812 });
  await laptop.page.screenshot({ path: screenshotPath("sessions-screen-phone.png"), fullPage: true });
  expect(await laptop.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await laptop.page.setViewportSize({ width: 1000, height: 800 });

  // The phone's answers from here on: its live stream is what notices (the API completes it within a second).
  const phoneAnswers: { path: string; status: number; challenge: string | null }[] = [];
  const record = async (response: Response) => {
    const path = new URL(response.url()).pathname;
    if (path === "/graphql" || path === "/api/auth/token")
      phoneAnswers.push({ path, status: response.status(), challenge: await response.headerValue("www-authenticate") });
  };
  phone.page.on("response", record);

  await laptop.page.getByRole("button", { name: "Sign out everywhere else" }).click();
  await laptop.page.getByRole("alertdialog").getByRole("button", { name: "Sign out everywhere else" }).click();
  await laptop.page.getByText("Signed out everywhere else.").waitFor();
  const revokedAt = Date.now();
  await expect.poll(() => list.getByRole("listitem").count()).toBe(1);
  await laptop.page.getByText("No other browser or device is signed in to your account.").waitFor();

  // No action on the phone: the API ends its stream, the reconnect is refused, the one renewal finds no session.
  await phone.page.getByRole("heading", { name: "Sign in" }).waitFor();
  const tookMs = Date.now() - revokedAt;
  expect(tookMs).toBeLessThan(2_000);
  expect(await phone.page.getByRole("alert").innerText()).toBe("You were signed out.");
  expect(await visibleText(phone)).not.toContain("Ada's private plan");
  expect(await phone.page.locator(".task").count()).toBe(0);
  // Through the one renewal: the API said invalid_token to the stream's reconnect, the auth service found no session.
  expect(phoneAnswers.slice(0, 2)).toEqual([
    { path: "/graphql", status: 401, challenge: expect.stringContaining('error="invalid_token"') },
    { path: "/api/auth/token", status: 401, challenge: null },
  ]);

  await laptop.page.getByRole("link", { name: "Tasks", exact: true }).click();
  await addTask(laptop.page, "Still signed in here");
  expect(await taskTitles(laptop.page)).toEqual(["Still signed in here", "Ada's private plan"]);
  expect(laptop.pageErrors).toEqual([]);
  expect(phone.pageErrors).toEqual([]);
  await Promise.all([laptop.context.close(), phone.context.close()]);
});

test("Recent security activity: a stranger's failed sign-ins, with a browser string of their choosing, are one line each run and never push a sign-in out of view; Show more pages", async () => {
  const owner = await newVisitor(browser, app, "Owen");
  await signUp(owner);
  // Over plain HTTP, as an attacker and as the owner's phone would send them to the app's origin.
  const signInOverHttp = (password: string, userAgent: string) =>
    fetch(`${app.url}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: app.url, "user-agent": userAgent },
      body: JSON.stringify({ email: owner.email, password }),
    });
  const STRANGER_BROWSER = "Signed in - your usual laptop/1.0 (on your network)";
  const strangerFails = async (times: number) => {
    for (let attempt = 0; attempt < times; attempt += 1)
      expect([401, 429]).toContain((await signInOverHttp("a stranger's guess", STRANGER_BROWSER)).status);
  };
  for (let round = 0; round < 5; round += 1) {
    await strangerFails(1);
    expect((await signInOverHttp(PASSWORD, PHONE_USER_AGENT)).status).toBe(200);
  }
  await strangerFails(12);

  await owner.page.getByRole("link", { name: "Devices and sessions" }).click();
  const activity = owner.page.getByRole("list", { name: "Recent security activity" });
  const lines = activity.getByRole("listitem");
  await expect.poll(() => lines.count()).toBe(10);
  const shown = await lines.allInnerTexts();
  expect(shown[0]).toMatch(/^12 failed sign-in attempts (Today|Yesterday) at .+ – (Today|Yesterday) at .+ · by someone not signed in$/);
  expect(shown[1]).toMatch(/^Signed in (Today|Yesterday) at .+ · 127\.0\.0\.1 · Safari on iOS$/);
  expect(shown.filter((line) => line.startsWith("Signed in"))).toHaveLength(5);
  expect(await activity.innerText()).not.toContain("usual laptop"); // the stranger's browser string is never shown

  await owner.page.getByRole("button", { name: "Show more" }).click();
  await expect.poll(() => lines.count()).toBe(13);
  const what = (await lines.allInnerTexts()).slice(-3).map((line) => line.replace(/ (Today|Yesterday) at .*/, ""));
  expect(what).toEqual(["Failed sign-in attempt (wrong password)", "Email address verified", "Account created"]);
  expect(await owner.page.getByRole("button", { name: "Show more" }).count()).toBe(0);
  expect(owner.pageErrors).toEqual([]);
  await owner.context.close();
});

test("Sign out on the other device's row ends exactly that session, and no answer the page got carries a session token", async () => {
  const laptop = await newVisitor(browser, app, "Grace");
  // Every auth answer the laptop's page reads, except /token's (an API token, not a session's).
  const authAnswers: { path: string; body: string }[] = [];
  laptop.page.on("response", async (response) => {
    const path = new URL(response.url()).pathname;
    if (path.startsWith("/api/auth/") && path !== "/api/auth/token")
      authAnswers.push({ path, body: await response.text().catch(() => "") });
  });
  await signUp(laptop);
  const phone = await signInOnAnotherDevice(laptop);

  await laptop.page.getByRole("link", { name: "Devices and sessions" }).click();
  const list = laptop.page.getByRole("list", { name: "Devices and sessions" });
  await expect.poll(() => list.getByRole("listitem").count()).toBe(2);
  await list.getByRole("button", { name: /^Sign out Safari on iOS/ }).click();
  await laptop.page.getByText("Signed out Safari on iOS.").waitFor();
  await expect.poll(() => list.getByRole("listitem").count()).toBe(1);
  await phone.page.getByRole("heading", { name: "Sign in" }).waitFor({ timeout: 2_000 });

  const listed = authAnswers.filter((answer) => answer.path === "/api/auth/list-sessions");
  expect(listed.length).toBeGreaterThan(0);
  expect(listed[0]!.body).toContain('"id"');
  for (const answer of authAnswers) expect(answer.body, answer.path).not.toMatch(/"token":"/);
  const sent = authAnswers.map((answer) => answer.path);
  expect(sent).toContain("/api/auth/get-session");
  expect(sent).toContain("/api/auth/revoke-session");

  await laptop.page.getByRole("link", { name: "Tasks", exact: true }).click();
  await addTask(laptop.page, "Still signed in here");
  expect(laptop.pageErrors).toEqual([]);
  expect(phone.pageErrors).toEqual([]);
  await Promise.all([laptop.context.close(), phone.context.close()]);
});

test("Recent security activity follows the session list: a session signed out here, on its row or with “Sign out everywhere else”, shows in it at once, without a reload", async () => {
  const laptop = await newVisitor(browser, app, "Sid");
  await signUp(laptop);
  const phone = await signInOnAnotherDevice(laptop);
  const tablet = await signInOnAnotherDevice(laptop);

  await laptop.page.getByRole("link", { name: "Devices and sessions" }).click();
  const list = laptop.page.getByRole("list", { name: "Devices and sessions" });
  await expect.poll(() => list.getByRole("listitem").count()).toBe(3);
  const activity = laptop.page.getByRole("list", { name: "Recent security activity" });
  await activity.getByRole("listitem").first().waitFor();
  const endedHere = activity.getByRole("listitem").filter({ hasText: /^You ended a session/ });
  expect(await endedHere.count()).toBe(0);
  // Gone if the page were loaded again: what shows below comes without a reload.
  await laptop.page.evaluate(() => Object.assign(window, { sameDocument: true }));

  await list
    .getByRole("button", { name: /^Sign out Safari on iOS/ })
    .first()
    .click();
  await laptop.page.getByText("Signed out Safari on iOS.").waitFor();
  await expect.poll(() => endedHere.count()).toBe(1);
  expect(await activity.getByRole("listitem").first().innerText()).toMatch(
    /^You ended a session (Today|Yesterday) at .+ · 127\.0\.0\.1 · Chrome on Linux/,
  );

  await laptop.page.getByRole("button", { name: "Sign out everywhere else" }).click();
  await laptop.page.getByRole("alertdialog").getByRole("button", { name: "Sign out everywhere else" }).click();
  await laptop.page.getByText("Signed out everywhere else.").waitFor();
  await expect.poll(() => endedHere.count()).toBe(2);
  expect(await laptop.page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);

  await Promise.all([phone.page, tablet.page].map((page) => page.getByRole("heading", { name: "Sign in" }).waitFor()));
  expect([...laptop.pageErrors, ...phone.pageErrors, ...tablet.pageErrors]).toEqual([]);
  await Promise.all([laptop.context.close(), phone.context.close(), tablet.context.close()]);
});
