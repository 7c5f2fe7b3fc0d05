// Verified accounts in chromium against the real services: a sign-up says "Check your inbox" and gives no
// session; a sign-in before the link is opened says so in plain words and offers "Send the link again";
// the link from /dev/mail verifies the address, signs in and lands on the tasks. Login CSRF, with a browser
// context per person: someone else's fresh link never switches a signed-in person into that other account,
// and never signs in a browser that did not sign up.
import { randomBytes } from "node:crypto";
import { createEmailVerificationToken } from "better-auth/api";
import type { Browser, Page } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import {
  graphqlAsPageUser,
  newVisitor,
  openMailedLink,
  PASSWORD,
  screenshotPath,
  signUp,
  signUpInNewContext,
  submitSignIn,
  withAppInChromium,
  type BrowserUser,
} from "../support/browser.ts";

let app: RunningApp;
let browser: Browser;

// Known to this file, so that it can make a link as Better Auth makes them, only already expired.
const AUTH_SECRET = randomBytes(32).toString("base64url");

withAppInChromium((started) => ({ app, browser } = started), { BETTER_AUTH_SECRET: AUTH_SECRET });

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

/** Signs up on the sign-up screen (at `address`) and stops at "Check your inbox", the link unopened. */
async function signUpUntilInbox(user: BrowserUser, address = "/sign-up"): Promise<void> {
  const { page } = user;
  await page.goto(address);
  await page.getByLabel("Name").fill(user.name);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
}

/** The address of the newest verification link to `email`, read from /dev/mail in `page` (not opened). */
async function verificationLinkOf(page: Page, email: string): Promise<string> {
  const mail = page
    .locator("article")
    .filter({ hasText: email })
    .filter({ has: page.getByRole("heading", { name: "Verify your email for Tasks" }) });
  const deadline = Date.now() + 5_000;
  while ((await mail.count()) === 0) {
    if (Date.now() > deadline) throw new Error(`no verification mail to ${email} on /dev/mail`);
    await page.goto("/dev/mail");
  }
  const href = await mail.first().getByRole("link").first().getAttribute("href");
  if (!href) throw new Error(`no link in the mail to ${email}`);
  return href;
}

const sessionCookies = async (user: BrowserUser) =>
  (await user.context.cookies()).filter((cookie) => cookie.name.includes("session_token"));

test("login CSRF: a signed-in person who opens someone else's fresh link stays themselves; a browser that did not sign up lands on sign-in, told so", async () => {
  const victim = await signUpInNewContext(browser, app, "Vic");
  const attacker = await newVisitor(browser, app, "Mal");
  await signUpUntilInbox(attacker);
  const link = await verificationLinkOf(attacker.page, attacker.email);

  // The attacker sends the victim their link; the victim opens it in their signed-in browser.
  await victim.page.goto(link);
  await victim.page.waitForURL((url) => !url.pathname.startsWith("/api/auth/"));
  await victim.page.getByRole("heading", { name: "New task" }).waitFor();
  expect(await victim.page.locator(".who").innerText()).toContain(victim.email);
  const me = await graphqlAsPageUser(victim.page, "{ me { email } }");
  expect(me.body.data?.me).toEqual({ email: victim.email });
  await victim.page.screenshot({ path: screenshotPath("login-csrf-victim-stays.png") });

  // A stranger's fresh browser (no session, no sign-up of its own) opening another fresh link: verified, not signed in.
  const second = await newVisitor(browser, app, "Mal2");
  await signUpUntilInbox(second);
  const secondLink = await verificationLinkOf(second.page, second.email);
  const stranger = await newVisitor(browser, app, "Stranger");
  await stranger.page.goto(secondLink);
  await stranger.page.getByText("Your email address is verified.").waitFor();
  expect(new URL(stranger.page.url()).pathname).toBe("/sign-in");
  expect(await stranger.page.getByRole("heading", { name: "Sign in" }).isVisible()).toBe(true);
  expect(await sessionCookies(stranger)).toEqual([]);
  await stranger.page.screenshot({ path: screenshotPath("login-csrf-stranger-sign-in.png") });

  // The person who signed up signs in with their password as usual: the address is verified.
  await submitSignIn(second, stranger.page);
  await stranger.page.getByRole("heading", { name: "New task" }).waitFor();
  expect(await stranger.page.locator(".who").innerText()).toContain(second.email);
  expect([...victim.pageErrors, ...attacker.pageErrors, ...second.pageErrors, ...stranger.pageErrors]).toEqual([]);
});

test("a link that does not work, or has expired, says so on the sign-in page and offers a new one, which signs in and lands where the sign-up was heading", async () => {
  const user = await newVisitor(browser, app, "Exa");
  const { page } = user;
  await signUpUntilInbox(user, `/sign-up?next=${encodeURIComponent("/sessions")}`);
  const link = new URL(await verificationLinkOf(page, user.email));
  const token = link.searchParams.get("token")!;

  link.searchParams.set("token", token.slice(0, -5)); // cut short when copied
  await page.goto(link.toString());
  await page.getByText("This link does not work.").waitFor();
  expect(new URL(page.url()).pathname).toBe("/sign-in");

  // The same link as Better Auth mailed it, made with the service's secret, expired a minute ago.
  const { userId } = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { userId: string };
  link.searchParams.set("token", await createEmailVerificationToken(AUTH_SECRET, user.email, undefined, -60, { userId }));
  await page.goto(link.toString());
  await page.getByText("This link has expired.").waitFor();
  expect(await page.locator("main").innerText()).toContain("work for 24 hours");
  await page.screenshot({ path: screenshotPath("verification-link-expired.png") });

  // A new link needs the address: the page asks for it, then sends.
  await page.getByRole("button", { name: "Send the link again" }).click();
  await page.getByText("Enter your email address above first.").waitFor();
  await page.getByLabel("Email").fill(user.email);
  await page.getByRole("button", { name: "Send the link again" }).click();
  await page.getByText("Sent.").waitFor();
  await openMailedLink(page, user.email, "Verify your email for Tasks");
  await page.getByRole("heading", { name: "Devices and sessions" }).waitFor();
  expect(new URL(page.url()).pathname).toBe("/sessions");
  expect(await page.locator(".who").innerText()).toContain(user.email);
  expect(user.pageErrors).toEqual([]);
});

test("a link opened again after signing out says it was already used and that the address is verified; signing in works", async () => {
  const user = await newVisitor(browser, app, "Reo");
  const { page } = user;
  await signUp(user);
  const link = await verificationLinkOf(page, user.email);
  await page.goto("/");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();

  await page.goto(link);
  await page.getByText("This link was already used.").waitFor();
  expect(await page.locator("main").innerText()).toContain("Your email address is verified. Sign in to continue.");
  expect(await sessionCookies(user)).toEqual([]);
  await submitSignIn(user);
  await page.getByRole("heading", { name: "New task" }).waitFor();
  expect(user.pageErrors).toEqual([]);
});
