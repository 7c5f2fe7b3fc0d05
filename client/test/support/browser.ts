// Debian's chromium driven by playwright-core. Playwright gives every launch a fresh temporary profile
// (it passes its own --user-data-dir and refuses one in args); each user gets a browser context of their own.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { startApp, type RunningApp } from "./app-server.ts";
import { clientDir } from "./build-spa.ts";
import { CHROMIUM } from "./chromium.ts";

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const PASSWORD = "correct horse battery staple";
export const artifactsDir = path.join(clientDir, "test-artifacts");

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

/**
 * One browser test file's world: the real services with the built SPA (startApp, with `env` for the
 * services) and chromium, started before the file's tests and stopped after them. `use` receives both
 * once they run, for the file's own `let app; let browser;`.
 */
export function withAppInChromium(use: (started: { app: RunningApp; browser: Browser }) => void, env: Record<string, string> = {}): void {
  let started: { app?: RunningApp; browser?: Browser } = {};
  beforeAll(async () => {
    const [app, browser] = await Promise.all([startApp(env), launchBrowser()]);
    started = { app, browser };
    use({ app, browser });
  });
  afterAll(async () => {
    await started.browser?.close();
    await started.app?.stop();
  });
}

export interface BrowserUser {
  name: string;
  email: string;
  context: BrowserContext;
  page: Page;
  /** Uncaught errors in the page: a test ends by expecting none. */
  pageErrors: string[];
}

let counter = 0;

/** A new browser context (its own cookies and storage) with a page on the app; in UTC unless told otherwise. */
export async function newVisitor(
  browser: Browser,
  app: RunningApp,
  name: string,
  options: { width?: number; timezoneId?: string } = {},
): Promise<BrowserUser> {
  const context = await browser.newContext({
    baseURL: app.url,
    viewport: { width: options.width ?? 1000, height: 800 },
    locale: "en-US",
    timezoneId: options.timezoneId ?? "UTC",
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  counter += 1;
  const email = `${name.toLowerCase()}-${Date.now().toString(36)}-${counter}@example.com`;
  return { name, email, context, page, pageErrors };
}

/**
 * Creates an account as a person does: the sign-up screen, "Check your inbox", then the verification mail
 * opened on /dev/mail (the development catcher's page) and its link clicked, which signs in; waits for the
 * task screen.
 */
export async function signUp(user: BrowserUser): Promise<void> {
  const { page } = user;
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(user.name);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  const inbox = page.getByRole("heading", { name: "Check your inbox" });
  const problem = page.locator(".problem[role=alert]");
  await inbox.or(problem).first().waitFor();
  if (await problem.first().isVisible()) throw new Error(`sign-up failed: ${await problem.first().innerText()}`);
  // The session refetch after a sign-up can hide the screen for a moment: wait for it to be back.
  await inbox.waitFor();
  await openMailedLink(page, user.email, "Verify your email for Tasks");
  await arrivedAtTasks(page, "sign-up");
}

/**
 * Opens /dev/mail in `page` (reloading until the mail has arrived: mail is sent in the background) and
 * clicks the link in the newest mail to `email` with that subject.
 */
export async function openMailedLink(page: Page, email: string, subject: string): Promise<void> {
  const mail = page
    .locator("article")
    .filter({ hasText: email })
    .filter({ has: page.getByRole("heading", { name: subject }) })
    .first();
  const deadline = Date.now() + 5_000;
  for (;;) {
    await page.goto("/dev/mail");
    if ((await mail.count()) > 0) break;
    if (Date.now() > deadline) throw new Error(`no mail "${subject}" to ${email} on /dev/mail`);
    await page.waitForTimeout(100);
  }
  await mail.getByRole("link").first().click();
}

/** Waits for the task screen; if an error is shown instead, fails with it. */
async function arrivedAtTasks(page: Page, step: string): Promise<void> {
  const tasks = page.getByRole("heading", { name: "New task" });
  const problem = page.locator(".problem[role=alert]"); // an error, not the sign-in screen's notice
  await tasks.or(problem).first().waitFor();
  if (!(await tasks.isVisible())) throw new Error(`${step} failed: ${await problem.first().innerText()}`);
}

/** Fills in the sign-in screen and submits it; the caller waits for wherever that leads. */
export async function submitSignIn(user: BrowserUser, page = user.page): Promise<void> {
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Signs in on the sign-in screen shown in `page` (the user's own by default) and waits for the task screen. */
export async function signIn(user: BrowserUser, page = user.page): Promise<void> {
  await submitSignIn(user, page);
  await arrivedAtTasks(page, "sign-in");
}

/**
 * Ends the tab's session at the auth service behind the app's back, as when it expires or is revoked elsewhere,
 * and lets the app notice as it does when the user comes back to the tab (Better Auth rechecks the session on
 * visibilitychange). Waits for the sign-in screen.
 */
export async function endSessionBehindTheAppsBack(page: Page): Promise<void> {
  const status = await page.evaluate(
    async () => (await fetch("/api/auth/sign-out", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status,
  );
  if (status !== 200) throw new Error(`ending the session at the auth service answered ${status}`);
  await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
}

export async function signUpInNewContext(browser: Browser, app: RunningApp, name: string): Promise<BrowserUser> {
  const user = await newVisitor(browser, app, name);
  await signUp(user);
  return user;
}

export async function addTask(page: Page, title: string): Promise<void> {
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByRole("button", { name: "Add task" }).click();
  await page.getByRole("list", { name: "Tasks" }).getByText(title, { exact: true }).waitFor();
  await expect.poll(() => page.getByLabel("Title", { exact: true }).inputValue()).toBe("");
}

/** The titles in the list, top to bottom. */
export function taskTitles(page: Page): Promise<string[]> {
  return page.getByRole("list", { name: "Tasks" }).locator(".task-title").allTextContents();
}

/** The id of a task in the list, read from its Edit link. */
export async function taskId(page: Page, title: string): Promise<string> {
  const href = await page.getByRole("link", { name: `Edit “${title}”` }).getAttribute("href");
  const id = href?.replace("/tasks/", "");
  if (!id) throw new Error(`no Edit link for ${title}`);
  return decodeURIComponent(id);
}

/** Sends a GraphQL operation from the page as the signed-in user, the way any script on the origin could. */
export async function graphqlAsPageUser(page: Page, query: string, variables: Record<string, unknown> = {}) {
  return page.evaluate(
    async ({ query, variables }) => {
      const tokenResponse = await fetch("/api/auth/token");
      const { token } = (await tokenResponse.json()) as { token: string };
      const response = await fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return {
        status: response.status,
        body: (await response.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] },
      };
    },
    { query, variables },
  );
}

/**
 * Every Content-Security-Policy violation in the context's pages from now on, as the page's
 * `securitypolicyviolation` event and the console report it. Call before the pages to watch are loaded.
 */
export async function recordCspViolations(context: BrowserContext): Promise<string[]> {
  const violations: string[] = [];
  await context.exposeBinding("reportCspViolation", ({ page }, text: string) => void violations.push(`${page.url()}: ${text}`));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { reportCspViolation(text: string): void }).reportCspViolation;
      report(`${event.effectiveDirective} refused ${event.blockedURI || "inline"} at ${event.sourceFile || "?"}:${event.lineNumber}`);
    });
  });
  context.on("console", (message) => {
    if (/content.security.policy/i.test(message.text())) violations.push(`console: ${message.text()}`);
  });
  return violations;
}

export function screenshotPath(name: string): string {
  mkdirSync(artifactsDir, { recursive: true });
  return path.join(artifactsDir, name);
}

/** Decodes a JWT's payload (the test inspects what the browser sent; the API verifies for real). */
export function jwtClaims(authorization: string | null | undefined): { sub: string; iat: number; exp: number } {
  const token = (authorization ?? "").replace(/^(Bearer|DPoP) /, "");
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());
}
