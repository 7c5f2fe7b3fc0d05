// Passkeys in chromium against the real services (server/src/auth/passkeys.ts), with the DevTools protocol's
// virtual authenticator standing in for a phone or a security key (CTAP2, internal, resident keys, user
// verification on): added on Account with a name and the password, used from "Sign in with a passkey" (no
// email, no password), whose session's token says amr ... mfa with an auth_time, and removed, which signs the
// account's other devices out. All of it under the SPA's Content-Security-Policy, with no violation.
import type { Browser, Page } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import { newVisitor, PASSWORD, recordCspViolations, signIn, signUp, withAppInChromium } from "../support/browser.ts";
import { addVirtualAuthenticator } from "../support/virtual-authenticator.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

/** The page's API token's claims, fetched as the app fetches it. */
async function tokenClaimsFromPage(page: Page): Promise<{ status: number; claims?: Record<string, unknown> }> {
  return page.evaluate(async () => {
    const answer = await fetch("/api/auth/token");
    if (answer.status !== 200) return { status: answer.status };
    const { token } = (await answer.json()) as { token: string };
    const payload = token.split(".")[1] ?? "";
    return { status: 200, claims: JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown> };
  });
}

test("a passkey added on Account signs in without the password, counts as two factors, and removing it signs other devices out", async () => {
  const user = await newVisitor(browser, app, "Pat");
  const violations = await recordCspViolations(user.context);
  await signUp(user);
  const { page } = user;
  await addVirtualAuthenticator(page);

  await page.goto("/account");
  const card = page.getByRole("region", { name: "Passkeys" });
  await card.getByText("No passkeys yet.").waitFor();
  await card.getByLabel("Passkey name").fill("Work laptop");
  // A wrong password adds nothing, and is refused before the authenticator is asked to make a key.
  await card.getByLabel("Current password").fill("not my password");
  await card.getByRole("button", { name: "Add a passkey" }).click();
  await expect.poll(() => card.locator(".problem[role=alert]").innerText()).toMatch(/not your current password/i);
  await card.getByLabel("Current password").fill(PASSWORD);
  await card.getByRole("button", { name: "Add a passkey" }).click();
  await card.getByRole("status").filter({ hasText: "Passkey added" }).waitFor();
  await expect.poll(() => card.getByRole("listitem").allInnerTexts()).toEqual([expect.stringMatching(/^Work laptop\s+added /)]);

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await page.getByRole("heading", { name: "New task" }).waitFor();
  const before = Math.floor(Date.now() / 1000);
  const token = await tokenClaimsFromPage(page);
  expect(token.status).toBe(200);
  expect(token.claims?.amr).toEqual(expect.arrayContaining(["mfa"]));
  expect(token.claims?.amr).toEqual(["swk", "user", "mfa"]);
  expect(typeof token.claims?.auth_time).toBe("number");
  expect(Math.abs((token.claims?.auth_time as number) - before)).toBeLessThan(60);

  // The same account signed in elsewhere, with the password.
  const elsewhere = await newVisitor(browser, app, "Pat");
  elsewhere.email = user.email;
  await elsewhere.page.goto("/sign-in");
  await signIn(elsewhere);
  expect((await tokenClaimsFromPage(elsewhere.page)).status).toBe(200);

  await page.goto("/account");
  await card.getByRole("button", { name: "Remove Work laptop" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Remove Work laptop?" });
  await dialog.getByText("your other devices will be signed out").waitFor();
  await dialog.getByRole("button", { name: "Remove passkey" }).click();
  await card.getByRole("status").filter({ hasText: "Passkey removed. Your other devices were signed out." }).waitFor();
  await card.getByText("No passkeys yet.").waitFor();
  expect((await tokenClaimsFromPage(elsewhere.page)).status).toBe(401);
  expect((await tokenClaimsFromPage(page)).status).toBe(200);

  expect(violations).toEqual([]);
  expect(user.pageErrors).toEqual([]);
  await elsewhere.context.close();
  await user.context.close();
});
