// Opening the app while its services are still starting, as with `pnpm dev` (whose Vite dev server answers
// seconds before the auth service and the API do): the page is served at once, its session check meets
// connection refused (a 502 from the proxy), and the services come up 4 s later. The session check tries again
// by itself, with growing waits, and the app comes up with no click on Retry and no reload.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { launchBrowser, newVisitor, signUp } from "../support/browser.ts";
import { startSpaBeforeServices, type SpaBeforeServices } from "../support/late-services.ts";

const SERVICES_START_AFTER_MS = 4_000;

let app: SpaBeforeServices;
let browser: Browser;

beforeAll(async () => {
  [app, browser] = await Promise.all([startSpaBeforeServices(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

test("opened before the services answer: the session check retries with backoff and the app comes up by itself once they do", async () => {
  const early = await newVisitor(browser, app, "Early");
  const checks: { at: number; status: number }[] = [];
  early.page.on("response", (response) => {
    if (new URL(response.url()).pathname === "/api/auth/get-session") checks.push({ at: Date.now(), status: response.status() });
  });
  const opened = Date.now();
  await early.page.goto("/");
  await new Promise((resolve) => setTimeout(resolve, SERVICES_START_AFTER_MS));
  const whileDown = checks.length;
  expect(checks.every((check) => check.status === 502)).toBe(true);
  expect(whileDown).toBeGreaterThanOrEqual(3); // it kept trying...
  expect(whileDown).toBeLessThanOrEqual(6); // ...with growing waits, not in a tight loop
  expect(await early.page.getByRole("heading", { name: "Sign in" }).count()).toBe(0);

  await app.startServices();
  const up = Date.now();
  await early.page.getByRole("heading", { name: "Sign in" }).waitFor({ timeout: 15_000 });
  console.log(
    `Session checks (ms after opening: status): ${checks.map((check) => `${check.at - opened}: ${check.status}`).join(", ")}; signed-out screen ${Date.now() - up} ms after the services were up`,
  );
  expect(checks.at(-1)!.status).toBe(200);

  // And it works from there: a sign-up through to the task list (the API answers too).
  await signUp(early);
  expect(early.pageErrors).toEqual([]);
  await early.context.close();
}, 90_000);
