// The admin screen against the real services: an operator grants the role (to an account with two-step
// verification on, signed in with its code within the step-up's max age, so no code is asked for again here:
// step-up.test.ts is that), the admin's next token carries it and the link appears; the admin bans a user with a reason; the user's token stops working at the API,
// and the ban is in the audit trail with who did it to whom. A plain user sees no link and gets no data.
import type { Browser } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import { addTask, graphqlAsPageUser, newVisitor, screenshotPath, signUp, withAppInChromium } from "../support/browser.ts";
import { turnOnTwoStepVerificationAndSignIn } from "../support/two-factor.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

const ADMIN_LINK = { name: "Users (admin)" };

test("an admin bans a user from the admin screen: the user's token is refused, and the ban is audited", async () => {
  const victim = await newVisitor(browser, app, "Vic");
  await signUp(victim);
  await addTask(victim.page, "Vic's private plan");
  expect(await victim.page.getByRole("link", ADMIN_LINK).count()).toBe(0);
  const refused = await graphqlAsPageUser(victim.page, "{ adminUsers { edges { node { email } } } }");
  expect(refused.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  const victimToken = await victim.page.evaluate(async () => ((await (await fetch("/api/auth/token")).json()) as { token: string }).token);
  const victimId = (await graphqlAsPageUser(victim.page, "{ me { id } }")).body.data.me.id as string;

  const admin = await newVisitor(browser, app, "Ada");
  await signUp(admin);
  await turnOnTwoStepVerificationAndSignIn(admin); // the operator's command refuses an admin without a second factor
  await app.grantAdmin(admin.email);
  await admin.page.reload(); // the next token carries the role
  await admin.page.getByRole("link", ADMIN_LINK).click();
  const list = admin.page.getByRole("list", { name: "Users" });
  const row = list.getByRole("listitem").filter({ hasText: victim.email });
  await row.waitFor();
  expect(await row.innerText()).toMatch(/Tasks\s*1/);
  expect(await row.innerText()).toMatch(/Email\s*Verified/); // signed up through the mailed link
  expect(await admin.page.locator("body").innerText()).not.toContain("Vic's private plan");
  // Your own row offers no ban.
  const ownRow = list.getByRole("listitem").filter({ hasText: admin.email });
  expect(await ownRow.getByRole("button").count()).toBe(0);

  await row.getByRole("button", { name: `Ban ${victim.email}` }).click();
  const dialog = admin.page.getByRole("alertdialog");
  await dialog.getByLabel("Reason").fill("spam links");
  await dialog.getByRole("button", { name: "Ban", exact: true }).click();
  await admin.page.getByText(`Banned ${victim.email}.`).waitFor();
  await expect.poll(() => row.innerText()).toContain("spam links");
  await admin.page.screenshot({ path: screenshotPath("admin-screen.png"), fullPage: true });

  // The ban ended the victim's sessions, so their token is refused at the API (within a second).
  await expect
    .poll(
      async () =>
        (
          await fetch(`${app.apiUrl}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${victimToken}` },
            body: JSON.stringify({ query: "{ me { id } }" }),
          })
        ).status,
      { timeout: 5000 },
    )
    .toBe(401);

  const adminId = (await graphqlAsPageUser(admin.page, "{ me { id } }")).body.data.me.id as string;
  const audit = await graphqlAsPageUser(
    admin.page,
    "query ($userId: ID!) { auditEvents(filter: { kind: USER_BANNED, userId: $userId }) { edges { node { actorId subjectId detail } } } }",
    { userId: victimId },
  );
  expect(audit.body.data.auditEvents.edges.map((edge: { node: unknown }) => edge.node)).toEqual([
    { actorId: adminId, subjectId: victimId, detail: JSON.stringify({ by: "admin", reason: "spam links" }) },
  ]);

  // And on the admin's own account screen, their recent security activity.
  await admin.page.getByRole("link", { name: "Devices and sessions" }).click();
  const activity = admin.page.getByRole("list", { name: "Recent security activity" });
  await expect.poll(() => activity.innerText()).toContain("Account created");
  expect(await activity.innerText()).toMatch(/Admin role granted (Today|Yesterday) at .+ · by an operator/); // who, as a kind
});
