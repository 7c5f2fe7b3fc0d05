// The SPA with DPoP required by both services (API_DPOP and AUTH_DPOP "required", the production setting once the
// SPA signs everything): the auth service issues no token without a proof and the API takes no bearer token, so a
// single request of the app's that went without one would show here as a refusal.
import type { Browser, Response } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import { addTask, newVisitor, signUp, taskTitles, withAppInChromium } from "../support/browser.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started), { API_DPOP: "required", AUTH_DPOP: "required" });

test("with DPoP required, the app works throughout: tokens, GraphQL, the live stream across tabs, a reload; a token request without a proof is refused", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  const refused: string[] = [];
  const watch = (response: Response) => {
    const path = new URL(response.url()).pathname;
    if ((path === "/graphql" || path === "/api/auth/token") && response.status() >= 400) refused.push(`${path} ${response.status()}`);
  };
  ada.context.on("response", watch);
  await signUp(ada);
  const other = await ada.context.newPage();
  await other.goto("/");
  await Promise.all([ada.page, other].map((page) => expect.poll(() => page.locator(".live-indicator").innerText()).toBe("Live")));

  await addTask(ada.page, "Buy milk");
  await expect.poll(() => taskTitles(other), { timeout: 2_000 }).toEqual(["Buy milk"]);
  await ada.page.getByRole("checkbox", { name: "Done: Buy milk" }).click();
  await expect.poll(() => other.getByRole("checkbox", { name: "Done: Buy milk" }).isChecked()).toBe(true);
  await other.reload();
  await other.getByRole("list", { name: "Tasks" }).getByText("Buy milk").waitFor();
  expect(refused).toEqual([]);

  // What the services refuse: a token asked for as before DPoP (the cookie alone).
  const unbound = await ada.page.evaluate(async () => {
    const response = await fetch("/api/auth/token");
    return { status: response.status, body: await response.json() };
  });
  expect(unbound).toEqual({ status: 400, body: expect.objectContaining({ error: "invalid_dpop_proof" }) });
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});
