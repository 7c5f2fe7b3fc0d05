// Addresses the app has no page for, and pages that fail to render, in chromium against the built SPA served
// by the production web server: the app's own "Page not found" for an unknown or malformed address (signed in or
// not), and a message with a way back, never a blank tab, when a page throws while rendering.
import type { Browser } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import { addTask, newVisitor, signUp, taskTitles, withAppInChromium } from "../support/browser.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

const UNKNOWN = ["/no/such/page", "/tasks/%E0%A4%A", "/%E0%A4%A", "/sessions/%"];

test("an unknown or malformed address shows the app's “Page not found”, signed out and signed in, with a way to the tasks", async () => {
  const visitor = await newVisitor(browser, app, "Lost");
  const { page } = visitor;
  for (const address of UNKNOWN) {
    await page.goto(address);
    await page.getByRole("heading", { name: "Page not found" }).waitFor();
    expect(await page.title(), address).toBe("Page not found · Tasks");
  }

  await signUp(visitor);
  for (const address of UNKNOWN) {
    await page.goto(address);
    await page.getByRole("heading", { name: "Page not found" }).waitFor();
    expect(new URL(page.url()).pathname, address).toBe(address); // shown where it was asked, not redirected
  }
  await page.getByRole("link", { name: "Go to your tasks" }).click();
  await page.getByRole("heading", { name: "New task" }).waitFor();
  expect(visitor.pageErrors).toEqual([]);
  await visitor.context.close();
});

test("a page that throws while rendering shows a message and a way back, never a blank tab", async () => {
  const user = await newVisitor(browser, app, "Broken");
  const { page } = user;
  await signUp(user);
  await addTask(page, "Still here afterwards");

  // The task list's answer arrives in a shape the page cannot render (edges: null): its render throws.
  await page.route("**/graphql", async (route) => {
    const body = route.request().method() === "POST" ? route.request().postDataJSON() : null;
    if (body?.operationName !== "Tasks") return route.continue();
    const answer = await (await route.fetch()).json();
    answer.data.tasks.edges = null;
    return route.fulfill({ json: answer });
  });
  await page.reload();
  await page.getByRole("heading", { name: "Something went wrong" }).waitFor();
  expect(await page.title()).toBe("Something went wrong · Tasks");
  expect(await page.getByRole("alert").innerText()).toContain("This page could not be shown.");
  expect(await page.getByRole("button", { name: "Reload the page" }).isVisible()).toBe(true);

  await page.unroute("**/graphql");
  await page.getByRole("link", { name: "Go to your tasks" }).click();
  await page.getByRole("heading", { name: "New task" }).waitFor();
  await expect.poll(() => taskTitles(page)).toEqual(["Still here afterwards"]);
  await user.context.close();
});
