// Leaving a session: signing out, the back button after it, switching accounts in one tab, and coming back to
// where you were after a session ended (never to another site).
import type { Browser } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import {
  addTask,
  endSessionBehindTheAppsBack,
  newVisitor,
  signIn,
  signUp,
  signUpInNewContext,
  submitSignIn,
  taskTitles,
  type BrowserUser,
  withAppInChromium,
} from "../support/browser.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

/** Everything the page has shown since this was called, from the DOM and form fields alike. */
async function recordEverythingShown(user: BrowserUser) {
  await user.page.evaluate(() => {
    const seen: string[] = [];
    const record = () =>
      seen.push(
        document.body.innerText +
          [...document.querySelectorAll("input, textarea")].map((field) => (field as HTMLInputElement).value).join("\n"),
      );
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    (window as unknown as { seen: string[] }).seen = seen;
  });
  return async () => user.page.evaluate(() => (window as unknown as { seen: string[] }).seen.join("\n"));
}

async function visibleText(user: BrowserUser): Promise<string> {
  return user.page.evaluate(
    () =>
      document.body.innerText +
      [...document.querySelectorAll("input, textarea")].map((field) => (field as HTMLInputElement).value).join("\n"),
  );
}

test("after signing out, the back button shows no private data and sends no request for it", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  await signUp(ada);
  await addTask(ada.page, "Ada's secret plan");
  // History: the list, the task's edit screen, the list again, the edit screen again.
  for (let round = 0; round < 2; round += 1) {
    await ada.page.getByRole("link", { name: "Edit “Ada's secret plan”" }).click();
    await ada.page.getByRole("heading", { name: "Edit task" }).waitFor();
    if (round === 0) {
      await ada.page.getByRole("link", { name: "Back to your tasks" }).click();
      await ada.page.getByRole("list", { name: "Tasks" }).waitFor();
    }
  }

  await ada.page.getByRole("button", { name: "Sign out" }).click();
  await ada.page.getByRole("heading", { name: "Sign in" }).waitFor();
  expect(new URL(ada.page.url()).pathname).toBe("/sign-in");
  const graphqlAfterSignOut: string[] = [];
  ada.page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/graphql") graphqlAfterSignOut.push(request.url());
  });

  for (const privatePage of ["/", "/tasks/", "/"]) {
    const before = ada.page.url();
    await ada.page.goBack();
    await ada.page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(ada.page.url(), `back from ${before} towards ${privatePage}`).toMatch(/\/sign-in$/);
    expect(await visibleText(ada)).not.toContain("secret plan");
  }
  expect(graphqlAfterSignOut).toEqual([]);

  // The session is really gone at the server, not just hidden.
  expect(await ada.page.evaluate(async () => (await fetch("/api/auth/token")).status)).toBe(401);
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("a sign-out whose answer arrives after the live stream saw the session end is still the user's own: no notice, no way back, sign-in opens the tasks", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  await signUp(ada);
  await addTask(ada.page, "Water the plants");
  await ada.page.getByRole("link", { name: "Devices and sessions" }).click();
  await ada.page.getByText("This device", { exact: true }).waitFor();
  // The sign-out is done at the server at once, but its answer is held back until the app has found out by
  // itself: the API ends the live stream on the revocation and the token renewal answers 401.
  const renewalRefused = ada.page.waitForResponse((response) => new URL(response.url()).pathname === "/api/auth/token" && response.status() === 401);
  let signOutAnswered = false;
  await ada.page.route("**/api/auth/sign-out", async (route) => {
    const response = await route.fetch();
    await renewalRefused;
    await ada.page.waitForTimeout(300); // time for the app to act on what it found
    await route.fulfill({ response });
    signOutAnswered = true;
  });
  const shownSince = await recordEverythingShown(ada);

  await ada.page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect.poll(() => signOutAnswered).toBe(true);
  await ada.page.getByRole("heading", { name: "Sign in" }).waitFor();
  expect(ada.page.url()).toBe(`${app.url}/sign-in`);
  expect(await shownSince()).not.toContain("You were signed out.");

  await signIn(ada);
  await expect.poll(() => taskTitles(ada.page)).toEqual(["Water the plants"]);
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("signing out and in as someone else in the same tab, without a reload, shows only the new user's tasks", async () => {
  // Dave's account is made (and verified through its mailed link) elsewhere: in this tab he only signs in.
  const daveElsewhere = await signUpInNewContext(browser, app, "Dave");
  await daveElsewhere.context.close();
  const tab = await newVisitor(browser, app, "Carol");
  await signUp(tab);
  await addTask(tab.page, "Carol's medical appointment");
  const carol = { ...tab };

  await tab.page.getByRole("button", { name: "Sign out" }).click();
  await tab.page.getByRole("heading", { name: "Sign in" }).waitFor();
  const shownSince = await recordEverythingShown(tab);

  await signIn({ ...tab, name: "Dave", email: daveElsewhere.email });
  await tab.page.getByText("No tasks yet. Add your first one above.").waitFor();
  await addTask(tab.page, "Dave's grocery list");
  expect(await taskTitles(tab.page)).toEqual(["Dave's grocery list"]);
  expect(await shownSince()).not.toContain("medical appointment");

  await tab.page.getByRole("button", { name: "Sign out" }).click();
  await tab.page.getByRole("heading", { name: "Sign in" }).waitFor();
  const shownSinceSecondSwitch = await recordEverythingShown(tab);
  await signIn(carol);
  await tab.page.getByRole("list", { name: "Tasks" }).waitFor();
  expect(await taskTitles(tab.page)).toEqual(["Carol's medical appointment"]);
  expect(await shownSinceSecondSwitch()).not.toContain("grocery list");
  expect(tab.pageErrors).toEqual([]);
  await tab.context.close();
});

test("a draft typed before the session ended is not shown to the next person who signs in in that tab", async () => {
  const frank = await signUpInNewContext(browser, app, "Frank");
  await frank.context.close();
  const erin = await newVisitor(browser, app, "Erin");
  const { page } = erin;
  await signUp(erin);
  await page.getByLabel("Title", { exact: true }).fill("Erin's surprise party");
  await page.getByLabel("Description (optional)").fill("Do not tell Frank");
  await page.getByLabel("Due date (optional)").fill("2030-05-17");

  await endSessionBehindTheAppsBack(page);
  // Signed out elsewhere, before the session's expiry: said as such, with what to do next.
  expect(await page.getByRole("alert").innerText()).toBe("You were signed out.");
  expect(await page.getByText("Sign in again to continue; anything you typed is kept.").count()).toBe(1);
  const shownSince = await recordEverythingShown(erin);
  await signIn(frank, page);
  await page.getByText("No tasks yet. Add your first one above.").waitFor();

  const shown = await shownSince();
  for (const typed of ["surprise party", "Do not tell Frank", "2030-05-17"]) expect(shown).not.toContain(typed);
  expect(await page.getByLabel("Title", { exact: true }).inputValue()).toBe("");
  expect(await page.getByLabel("Description (optional)").inputValue()).toBe("");
  expect(await page.getByLabel("Due date (optional)").inputValue()).toBe("");
  expect(await page.getByText("Your unsaved task is back").count()).toBe(0);
  expect(erin.pageErrors).toEqual([]);
  await erin.context.close();
});

test("a session that ends on a task's page comes back to that page after signing in again", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  const { page } = ada;
  await signUp(ada);
  await addTask(page, "Ada's task to come back to");
  const edit = page.getByRole("link", { name: "Edit “Ada's task to come back to”" });
  const taskPath = (await edit.getAttribute("href"))!;
  await edit.click();
  await page.getByRole("heading", { name: "Edit task" }).waitFor();

  await endSessionBehindTheAppsBack(page);
  expect(new URL(page.url()).pathname).toBe("/sign-in");
  expect(new URL(page.url()).searchParams.get("next")).toBe(taskPath);
  // Signed out elsewhere, before the session's expiry: said as such, with what to do next.
  expect(await page.getByRole("alert").innerText()).toBe("You were signed out.");
  expect(await page.getByText("Sign in again to continue; anything you typed is kept.").count()).toBe(1);

  await submitSignIn(ada);
  await page.getByRole("heading", { name: "Edit task" }).waitFor();
  expect(page.url()).toBe(`${app.url}${taskPath}`);
  expect(await page.getByLabel("Title", { exact: true }).inputValue()).toBe("Ada's task to come back to");
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("a `next` that points away from the app is ignored: after sign-in the app stays on its own origin", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  const { page } = ada;
  // Were the app to follow one of these, it would land here (this machine has no network to reach anything else).
  await ada.context.route(/^https?:\/\/evil\.example\//, (route) =>
    route.fulfill({ contentType: "text/html", body: "<h1>Another site</h1>" }),
  );
  const arrivesAtTheTaskList = async (next: string) => {
    await expect.poll(() => page.url(), { message: `with next=${JSON.stringify(next)}`, timeout: 10_000 }).toBe(`${app.url}/`);
    await page.getByRole("heading", { name: "New task" }).waitFor();
    expect(ada.pageErrors, `with next=${JSON.stringify(next)}`).toEqual([]);
  };
  await signUp(ada);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();

  // Signing in with a `next` of "/", a tab, "/evil.example": the URL parser drops the tab, leaving //evil.example.
  await page.goto(`/sign-in?next=${encodeURIComponent("/\t/evil.example")}`);
  await submitSignIn(ada);
  await arrivesAtTheTaskList("/\t/evil.example");

  // Signed in, the sign-in screen sends you on to `next` at once: the same rule for each way out of the origin.
  for (const next of ["//evil.example", "/\tevil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)"]) {
    await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
    await arrivesAtTheTaskList(next);
  }
  await ada.context.close();
});
