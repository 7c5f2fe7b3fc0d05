// Two-step verification from a signed-in page, over HTTP as the Account screen's controls do it
// (two-step-enrolment.test.ts goes through those), for the browser tests that need it on: admins, above all.
import type { Page } from "playwright-core";
import { authenticatorApp } from "../../../server/test/support/totp.ts";
import { type BrowserUser, endSessionBehindTheAppsBack, PASSWORD, submitSignIn } from "./browser.ts";
import { twoFactorBudget } from "./two-factor-budget.ts";

/**
 * This test file's pace for /two-factor/* (Better Auth's 3 in 10 s per client IP, shared by the browser's requests
 * and the test's own): call it before every such request, the app's included (before clicking Verify).
 */
export const roomForATwoFactorRequest = twoFactorBudget();

/** A POST to the auth service from the page (its cookie), paced for /two-factor/*. */
export async function postFromPage(page: Page, path: string, body: unknown): Promise<{ status: number; body: Record<string, any> }> {
  await roomForATwoFactorRequest();
  return page.evaluate(
    async ([path, body]) => {
      const answer = await fetch(`/api/auth${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: answer.status, body: (await answer.json()) as Record<string, any> };
    },
    [path, body] as const,
  );
}

export interface SecondFactor {
  /** The authenticator app: each call gives a code not given before (it may wait for the next 30 s step). */
  code: () => Promise<string>;
  backupCodes: string[];
}

/** Turns two-step verification on for the signed-in user; the tab's session is left as turning it on left it. */
export async function enableTwoStepVerification(page: Page): Promise<SecondFactor> {
  const enabled = await postFromPage(page, "/two-factor/enable", { password: PASSWORD });
  if (enabled.status !== 200) throw new Error(`turning two-step verification on answered ${enabled.status}`);
  const code = authenticatorApp(enabled.body.totpURI);
  const verified = await postFromPage(page, "/two-factor/verify-totp", { code: await code() });
  if (verified.status !== 200) throw new Error(`confirming two-step verification answered ${verified.status}`);
  return { code, backupCodes: enabled.body.backupCodes };
}

/** Signs in on the sign-in screen shown in `page` with the password and then a code; waits for the tasks. */
export async function signInWithCode(user: BrowserUser, secondFactor: SecondFactor, page = user.page): Promise<void> {
  await submitSignIn(user, page);
  await page.getByRole("heading", { name: "Two-step verification" }).waitFor();
  await page.getByLabel("Code").fill(await secondFactor.code());
  await roomForATwoFactorRequest();
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByRole("heading", { name: "New task" }).waitFor();
}

/**
 * Turns two-step verification on, then signs in again with the password and a code (turning it on renewed the
 * session behind the app's back), so the tab's session has its second factor verified now. Waits for the tasks.
 */
export async function turnOnTwoStepVerificationAndSignIn(user: BrowserUser): Promise<SecondFactor> {
  const secondFactor = await enableTwoStepVerification(user.page);
  await endSessionBehindTheAppsBack(user.page);
  await signInWithCode(user, secondFactor);
  return secondFactor;
}
