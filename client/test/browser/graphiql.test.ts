// The API's GraphiQL as a user meets it: opened from the web app, signed in, it runs queries as the user with
// nothing pasted, each request signed with the web app's DPoP key (server/src/api/graphiql-dpop.ts); headers
// pasted there are sent as they are (the bound ones "Copy token" puts on the clipboard are refused without a
// proof, as the app says; a bearer token's work); on a machine whose only network is localhost. Everything it loads comes from its own origin, under a Content-Security-Policy that
// allows nothing else.
import { createHash } from "node:crypto";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import { addTask, newVisitor, recordCspViolations, screenshotPath, signUp, withAppInChromium } from "../support/browser.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

/** Every URL the context's pages and workers ask the network for, from now on. */
function recordRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on("request", (request) => urls.push(request.url()));
  return urls;
}

function notOnThisMachine(urls: string[]): string[] {
  return urls.filter((url) => {
    const { protocol, hostname } = new URL(url);
    if (protocol === "data:" || protocol === "blob:") return false;
    return !["localhost", "127.0.0.1", "[::1]"].includes(hostname);
  });
}

const queryEditor = (page: Page) => page.locator(".graphiql-query-editor .monaco-editor");
const editorText = async (editor: Locator) => (await editor.locator(".view-lines").innerText()).replace(/\u00a0/g, " ");

/** GraphiQL has rendered: its editors are there (the page says "Loading…" until its scripts run). */
async function graphiqlIsReady(page: Page): Promise<void> {
  await queryEditor(page).waitFor({ timeout: 30_000 });
  await page.getByRole("button", { name: "Headers" }).waitFor();
}

/** Replaces an editor's text by pasting (typing would get Monaco's auto-closed brackets). */
async function pasteInto(page: Page, editor: Locator, text?: string): Promise<void> {
  if (text !== undefined) await page.evaluate((text) => navigator.clipboard.writeText(text), text);
  await editor.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("ControlOrMeta+V");
}

/** GraphiQL has taken the query in (it keeps it in localStorage once its editor's change is handled). */
async function queryIsTaken(page: Page, query: string): Promise<void> {
  await expect.poll(() => editorText(queryEditor(page))).toBe(query);
  await expect.poll(() => page.evaluate(() => Object.values(localStorage))).toContain(query);
}

/** The result pane's text, as shown (Monaco draws spaces as no-break spaces). */
async function resultText(page: Page): Promise<string> {
  return (await page.getByRole("region", { name: "Result Window" }).innerText()).replace(/\u00a0/g, " ");
}

test("GraphiQL opened from the web app runs a query as the signed-in user with nothing pasted, signed with the browser's key; pasted headers are sent as they are; offline", async () => {
  const ada = await newVisitor(browser, app, "Ada", { width: 1200 });
  const violations = await recordCspViolations(ada.context);
  const requests = recordRequests(ada.context);
  await ada.context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signUp(ada);
  await addTask(ada.page, "Buy milk");
  await addTask(ada.page, "Write report");

  await ada.page.getByRole("button", { name: "Copy token" }).click();
  await ada.page
    .getByText(/^Copied\. This token is bound to this browser's key: .* GraphiQL opened from here needs nothing pasted/)
    .waitFor();
  const copied = await ada.page.evaluate(() => navigator.clipboard.readText());
  // A bearer token, as "GET /api/auth/token while signed in" gives one without a DPoP proof (API_DPOP=allowed).
  const token = await ada.page.evaluate(async () => ((await (await fetch("/api/auth/token")).json()) as { token: string }).token);
  const [graphiql] = await Promise.all([
    ada.context.waitForEvent("page"),
    ada.page.getByRole("link", { name: "Open in GraphiQL" }).click(),
  ]);
  const pageErrors: string[] = [];
  graphiql.on("pageerror", (error) => pageErrors.push(error.message));
  const sent: Record<string, string>[] = [];
  graphiql.on("request", (request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname === "/graphql") sent.push(request.headers());
  });
  await graphiql.waitForLoadState();
  expect(new URL(graphiql.url()).origin).toBe(app.url);
  expect(new URL(graphiql.url()).pathname).toBe("/graphql");
  await graphiqlIsReady(graphiql);

  // Nothing pasted: the query runs as Ada, with a bound token and a proof from the web app's key.
  await pasteInto(graphiql, queryEditor(graphiql), "{ me { email } tasks { totalCount } }");
  await queryIsTaken(graphiql, "{ me { email } tasks { totalCount } }");
  await graphiql.getByRole("button", { name: /^Execute query/ }).click();
  await expect.poll(() => resultText(graphiql), { timeout: 10_000 }).toContain(`"email": "${ada.email}"`);
  expect(await resultText(graphiql)).toContain(`"totalCount": 2`);
  const signed = sent.at(-1) ?? {};
  expect(signed.authorization).toMatch(/^DPoP [\w-]+\.[\w-]+\.[\w-]+$/);
  expect(signed.dpop).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  const proofKey = JSON.parse(Buffer.from((signed.dpop ?? "").split(".")[0] ?? "", "base64url").toString()).jwk;
  const tokenKey = JSON.parse(
    Buffer.from((copied.match(/DPoP ([\w-]+\.[\w-]+)/)?.[1] ?? "").split(".")[1] ?? "", "base64url").toString(),
  ).cnf;
  expect(proofKey).toMatchObject({ kty: "EC", crv: "P-256" });
  expect(proofKey.d).toBeUndefined();
  // RFC 7638: the proof's key is the one the web app's own tokens are bound to.
  const { crv, kty, x, y } = proofKey;
  expect(createHash("sha256").update(JSON.stringify({ crv, kty, x, y })).digest("base64url")).toBe(tokenKey?.jkt);

  // Headers tab: what "Copy token" put on the clipboard. GraphiQL sends no DPoP proof, so the API refuses it.
  await graphiql.getByRole("button", { name: "Headers" }).click();
  const headersEditor = graphiql.getByRole("region", { name: "Headers" }).locator(".monaco-editor:visible");
  await pasteInto(graphiql, headersEditor, copied);
  await expect.poll(() => editorText(headersEditor)).toMatch(/"Authorization":\s*"DPoP [\w-]+\.[\w-]+\.[\w-]+"/);
  await graphiql.getByRole("button", { name: /^Execute query/ }).click();
  await expect.poll(() => resultText(graphiql), { timeout: 10_000 }).toContain('"code": "INVALID_DPOP_PROOF"');
  expect(await resultText(graphiql)).not.toContain(ada.email);

  // The bearer token's headers work.
  await pasteInto(graphiql, headersEditor, JSON.stringify({ Authorization: `Bearer ${token}` }));
  await expect.poll(() => editorText(headersEditor)).toMatch(/"Authorization":\s*"Bearer [\w-]+\.[\w-]+\.[\w-]+"/);

  await graphiql.getByRole("button", { name: /^Execute query/ }).click();
  await expect.poll(() => resultText(graphiql), { timeout: 10_000 }).toContain(`"email": "${ada.email}"`);
  expect(await resultText(graphiql)).toContain(`"totalCount": 2`);
  await graphiql.screenshot({ path: screenshotPath("graphiql.png") });
  // GraphiQL keeps tabs and queries in the origin's localStorage; the pasted token stays out of it.
  const stored = await graphiql.evaluate(() => JSON.stringify(Object.entries(localStorage)));
  expect(stored).toContain("totalCount");
  expect(stored.includes(token), "the token is in localStorage").toBe(false);

  expect(notOnThisMachine(requests)).toEqual([]);
  expect(violations).toEqual([]);
  expect(pageErrors).toEqual([]);
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("GraphiQL at the API's own address renders, sends its policy, and answers an anonymous query", async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const violations = await recordCspViolations(context);
  const requests = recordRequests(context);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const response = await page.goto(`${app.apiUrl}/graphql`);
  const policy = response?.headers()["content-security-policy"] ?? "";
  expect(policy).toContain("script-src 'self'");
  expect(policy).toContain("frame-ancestors 'none'");
  await graphiqlIsReady(page);

  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await pasteInto(page, queryEditor(page), "{ me { email } }");
  await queryIsTaken(page, "{ me { email } }");
  await page.getByRole("button", { name: /^Execute query/ }).click();
  await expect.poll(() => resultText(page), { timeout: 10_000 }).toMatch(/"me": null/);

  expect(notOnThisMachine(requests)).toEqual([]);
  expect(violations).toEqual([]);
  expect(pageErrors).toEqual([]);
  await context.close();
});
