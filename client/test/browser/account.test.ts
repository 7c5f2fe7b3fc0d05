// The Account screen in chromium against the real services: deleting the account asks for the password,
// then the app lands on sign-in, the tasks are gone, and the address no longer signs in. Changing the email
// asks for the password too, and the mail to the old address undoes it from another browser.
import type { Browser } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import {
  addTask,
  newVisitor,
  openMailedLink,
  PASSWORD,
  screenshotPath,
  signUp,
  submitSignIn,
  withAppInChromium,
} from "../support/browser.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

test("Delete my account: a wrong password is refused and changes nothing; the right one signs out and the account is gone", async () => {
  const user = await newVisitor(browser, app, "Del");
  await signUp(user);
  await addTask(user.page, "Del's last task");
  const { page } = user;
  await page.getByRole("link", { name: "Account" }).click();
  await page.getByRole("heading", { name: "Account", level: 1 }).waitFor();
  await page.screenshot({ path: screenshotPath("account.png"), fullPage: true });

  const deletion = page.getByRole("form", { name: "Delete my account" });
  const button = deletion.getByRole("button", { name: "Delete my account" });
  expect(await button.isDisabled()).toBe(true);
  await deletion.getByLabel("Password").fill("not my password at all");
  await deletion.getByLabel("I understand my tasks will be deleted").check();
  await button.click();
  await deletion.locator(".problem[role=alert]").waitFor();

  await deletion.getByLabel("Password").fill(PASSWORD);
  await button.click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();

  await submitSignIn(user);
  await page.getByText("Wrong email or password").waitFor();
  expect(user.pageErrors).toEqual([]);
});

test("Change email: the password is asked; the old address's mail, opened in another browser, undoes it with a new password and signs the first browser out", async () => {
  const user = await newVisitor(browser, app, "Mover");
  await signUp(user);
  const { page } = user;
  await page.getByRole("link", { name: "Account" }).click();
  const change = page.getByRole("form", { name: "Change email" });
  await change.getByLabel("New email").fill(`elsewhere-${Date.now()}@example.com`);
  await change.getByLabel("Current password").fill("not my password at all");
  await change.getByRole("button", { name: "Send the link to the new address" }).click();
  await change.getByText("That is not your current password.").waitFor();
  await change.getByLabel("Current password").fill(PASSWORD);
  await change.getByRole("button", { name: "Send the link to the new address" }).click();
  await change.getByText(`We told ${user.email} too.`).waitFor();

  // The owner reads the old address's mail on another device and undoes the change.
  const mailbox = await newVisitor(browser, app, "Mailbox");
  await openMailedLink(mailbox.page, user.email, "Your Tasks email is being changed");
  await mailbox.page.getByRole("heading", { name: "Undo the email change" }).waitFor();
  await mailbox.page.screenshot({ path: screenshotPath("undo-email-change.png") });
  const newPassword = "a brand new passphrase for the mover";
  await mailbox.page.getByLabel("New password", { exact: true }).fill(newPassword);
  await mailbox.page.getByLabel("New password again").fill(newPassword);
  await mailbox.page.getByRole("button", { name: "Restore my address" }).click();
  await mailbox.page.getByText("Your account is back on its old address.").waitFor();
  await submitSignIn(user, mailbox.page); // with the old password, which whoever asked for the change knew
  await mailbox.page.getByText("Wrong email or password").waitFor();
  await mailbox.page.getByLabel("Password").fill(newPassword);
  await mailbox.page.getByRole("button", { name: "Sign in", exact: true }).click();
  await mailbox.page.getByRole("heading", { name: "New task" }).waitFor();

  // The first browser's session was ended with every other.
  await page.reload();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  expect([...user.pageErrors, ...mailbox.pageErrors]).toEqual([]);
});
