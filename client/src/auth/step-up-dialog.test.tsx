// The step-up dialog on the admin screen, against the fake services at fetch: the list waits for a code, a ban
// asked for with a reason is made once the code is given (with that reason), cancel leaves it undone with a
// message, and an admin without two-step verification is told where to turn it on.
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, expect, test, vi } from "vitest";
import { createFakeBackend, type FakeBackend } from "../../test/support/fake-backend.ts";
import { App } from "../app.tsx";
import { createAppAuthClient } from "./auth-client.ts";

let backend: FakeBackend;
let clock = Date.parse("2026-01-01T10:00:00Z");

function setUp(options: { secondFactor?: boolean } = {}) {
  clock = Date.parse("2026-01-01T10:00:00Z");
  backend = createFakeBackend({ now: () => clock, stepUpMaxAgeSeconds: 600 });
  vi.stubGlobal("fetch", backend.fetch);
  const ada = backend.addUser("ada@example.com");
  const vic = backend.addUser("vic@example.com");
  backend.makeAdmin(ada, options.secondFactor === false ? undefined : { code: "123456", backupCodes: ["backup-one"] });
  backend.signInAs(ada);
  window.history.replaceState(null, "", "/admin");
  render(<App authClient={createAppAuthClient({ fetch: backend.fetch as typeof fetch })} />);
  return { ada, vic };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

const stepUpDialog = () => screen.findByRole("dialog", { name: "Confirm it is you" });

async function enterCode(code: string) {
  const user = userEvent.setup();
  const dialog = await stepUpDialog();
  await user.clear(within(dialog).getByLabelText(/Code/));
  await user.type(within(dialog).getByLabelText(/Code/), code);
  await user.click(within(dialog).getByRole("button", { name: "Verify" }));
}

test("the list waits for a code: a wrong one is explained, the right one loads it; a ban later asks again and keeps its reason", async () => {
  const { vic } = setUp();
  await enterCode("000000");
  expect((await within(await stepUpDialog()).findByRole("alert")).textContent).toBe(
    "That code is not right. Enter the one your authenticator app shows now.",
  );
  await enterCode("123456");
  const list = await screen.findByRole("list", { name: "Users" });
  await within(list).findByText(/vic@example.com/);
  expect(screen.queryByRole("dialog", { name: "Confirm it is you" })).toBeNull();

  clock += 11 * 60_000; // the second factor is older than the max age again
  const user = userEvent.setup();
  await user.click(screen.getByRole("button", { name: `Ban ${vic.email}` }));
  const ban = await screen.findByRole("alertdialog", { name: `Ban ${vic.email}?` });
  await user.type(within(ban).getByLabelText("Reason"), "spam links");
  await user.click(within(ban).getByRole("button", { name: "Ban" }));
  await user.click(within(await stepUpDialog()).getByRole("button", { name: "Use a backup code instead" }));
  await user.type(within(await stepUpDialog()).getByLabelText("Backup code"), "backup-one");
  await user.click(within(await stepUpDialog()).getByRole("button", { name: "Verify" }));

  await screen.findByText(`Banned ${vic.email}.`);
  expect(backend.bans).toEqual([{ userId: vic.id, banReason: "spam links" }]);
  expect(backend.requests("/api/auth/admin/ban-user")).toHaveLength(2); // refused, then made once
});

test("cancelled, the ban is not made, the dialog says so, and what was typed is still there", async () => {
  const { vic } = setUp();
  await enterCode("123456");
  await screen.findByRole("list", { name: "Users" });
  clock += 11 * 60_000;
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: `Ban ${vic.email}` }));
  const ban = await screen.findByRole("alertdialog", { name: `Ban ${vic.email}?` });
  await user.type(within(ban).getByLabelText("Reason"), "spam links");
  await user.click(within(ban).getByRole("button", { name: "Ban" }));
  await user.click(within(await stepUpDialog()).getByRole("button", { name: "Cancel" }));

  expect((await within(ban).findByRole("alert")).textContent).toBe(
    "Not done: admin actions need your second step (a code or a passkey), given recently, and none was given.",
  );
  expect((within(ban).getByLabelText("Reason") as HTMLInputElement).value).toBe("spam links");
  expect(backend.bans).toEqual([]);
  expect(backend.requests("/api/auth/admin/ban-user")).toHaveLength(1);
});

test("an admin with neither two-step verification nor a passkey is told to turn one on from Account, and the list says what it needs", async () => {
  setUp({ secondFactor: false });
  const dialog = await stepUpDialog();
  expect(await within(dialog).findByText(/two-step verification or a passkey, and your account has neither/)).toBeTruthy();
  expect(within(dialog).getByRole("link", { name: "Account" }).getAttribute("href")).toBe("/account");
  await userEvent.setup().click(within(dialog).getByRole("button", { name: "Close" }));
  await screen.findByText("This needs your second step (a code or a passkey), given recently. Retry to give it.");
  await waitFor(() => expect(screen.queryByRole("dialog", { name: "Confirm it is you" })).toBeNull());
  expect(backend.requests("/api/auth/two-factor/verify-totp")).toHaveLength(0);
});
