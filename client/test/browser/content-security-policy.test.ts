// The built SPA's pages, as the production web server sends them: a strict Content-Security-Policy (scripts
// from the origin only, no inline script, no framing, requests to the origin only), and the app runs under it
// in chromium with no violation reported. Two controls show the policy is enforced, not only sent.
import type { Browser } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import { addTask, newVisitor, recordCspViolations, signIn, signUp, taskId, withAppInChromium } from "../support/browser.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

/** A Content-Security-Policy header as { directive: sources }. */
function directives(policy: string | null): Record<string, string[]> {
  return Object.fromEntries(
    (policy ?? "")
      .split(";")
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name, sources]),
  );
}

test("every page of the SPA is sent with the strict policy, and the built page has no inline script", async () => {
  for (const route of ["/", "/sign-in", "/sign-up", "/sessions", "/tasks/6d1f0c2e-0000-4000-8000-000000000000"]) {
    const response = await fetch(`${app.url}${route}`, { headers: { accept: "text/html" } });
    expect(response.status, route).toBe(200);
    const policy = directives(response.headers.get("content-security-policy"));
    expect(policy, route).toMatchObject({
      "default-src": ["'self'"],
      "script-src": ["'self'"],
      "connect-src": ["'self'"],
      "object-src": ["'none'"],
      "base-uri": ["'none'"],
      "frame-ancestors": ["'none'"],
    });
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    const html = await response.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.filter(([, attributes, body]) => !/\bsrc=/.test(attributes!) || body!.trim() !== "")).toEqual([]);
  }
});

test("signing up, signing in, the task list, an edit page and the sessions page report no policy violation", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  const violations = await recordCspViolations(ada.context);
  const { page } = ada;
  await signUp(ada);
  await addTask(page, "Buy milk");
  const id = await taskId(page, "Buy milk");
  await page.getByRole("link", { name: "Edit “Buy milk”" }).click();
  await page.getByRole("heading", { name: "Edit task" }).waitFor();
  expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/tasks/${id}`);
  await page.getByLabel("Description (optional)").fill("Oat");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.getByText("Saved “Buy milk”.").waitFor();
  await page.goto("/sessions");
  await page.getByText("This device", { exact: true }).waitFor();
  // Sign out (the header's button); the sign-in screen comes next.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await signIn(ada);
  await page.reload();
  await page.getByRole("list", { name: "Tasks" }).getByText("Buy milk").waitFor();

  expect(violations).toEqual([]);
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("the policy is enforced: a script injected into the page does not run, and no other page can frame the app", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  const violations = await recordCspViolations(ada.context);
  const { page } = ada;
  await page.goto("/sign-in");
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  const ran = await page.evaluate(async () => {
    const script = document.createElement("script");
    script.textContent = "window.injected = true";
    document.head.append(script);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return (window as unknown as { injected?: boolean }).injected === true;
  });
  expect(ran).toBe(false);
  await expect.poll(() => violations.filter((violation) => /script-src(-elem)? refused inline/.test(violation))).toHaveLength(1);

  const framer = await ada.context.newPage();
  await framer.setContent(`<iframe src="${app.url}/sign-in" title="the app"></iframe>`);
  await expect.poll(() => violations.filter((violation) => /frame-ancestors/.test(violation))).not.toEqual([]);
  expect(await framer.frameLocator("iframe").getByRole("heading", { name: "Sign in" }).count()).toBe(0);
  await ada.context.close();
});
