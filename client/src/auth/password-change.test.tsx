// Changing the password on the Account screen, with the auth service and the API faked at fetch. With "Sign out
// my other devices" the auth service ends every session of the account, this tab's too, and answers with a new
// session's cookie; the API ends the old session's stream and refuses its token as soon as the sessions end,
// which can be before that answer arrives. Here the answer is held back to make that the case every time.
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { createFakeBackend, type FakeBackend } from "../../test/support/fake-backend.ts";
import { App } from "../app.tsx";
import { createAppAuthClient } from "./auth-client.ts";

let backend: FakeBackend;

beforeEach(() => {
  backend = createFakeBackend();
  vi.stubGlobal("fetch", backend.fetch);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const indicator = () => screen.getByRole("banner").querySelector(".live-indicator")!;

async function openAccount() {
  const ada = backend.addUser("ada@example.com", "the old password");
  backend.signInAs(ada);
  window.history.replaceState(null, "", "/account");
  render(<App authClient={createAppAuthClient({ fetch: backend.fetch as typeof fetch })} />);
  await screen.findByRole("heading", { name: "Account", level: 1 });
  await waitFor(() => expect(indicator().textContent).toBe("Live"));
  const form = within(screen.getByRole("form", { name: "Change password" }));
  const user = userEvent.setup();
  return {
    ada,
    form,
    async submit(current: string, next: string) {
      await user.type(form.getByLabelText("Current password"), current);
      await user.type(form.getByLabelText("New password"), next);
      await user.click(form.getByRole("button", { name: "Change password" }));
    },
  };
}

test("signing out the other devices: the old session's end before the answer is not a sign-out; it says so and carries on in the new session", async () => {
  const { form, submit } = await openAccount();
  const release = backend.holdPasswordChanges();
  const tokenRequestsBefore = backend.requests("/api/auth/token").length;
  await submit("the old password", "a brand new password");
  await waitFor(() => expect(backend.openStreams()).toEqual([])); // the API ended the old session's stream
  await new Promise((resolve) => setTimeout(resolve, 100)); // the app notices, and would renew its token now
  expect(backend.requests("/api/auth/token").length - tokenRequestsBefore).toBe(0); // not with the ended session's cookie

  release();
  expect((await form.findByRole("status")).textContent).toBe("Password changed. Your other devices were signed out.");
  expect((form.getByLabelText("Current password") as HTMLInputElement).value).toBe("");
  expect(screen.queryByRole("heading", { name: "Sign in" })).toBeNull();
  await waitFor(() => expect(indicator().textContent).toBe("Live")); // a new stream, with the new session's token
  expect(backend.openStreams()).toHaveLength(1);
  expect(screen.getByRole("heading", { name: "Account", level: 1 })).toBeTruthy();
  expect(form.getByRole("status").textContent).toBe("Password changed. Your other devices were signed out.");
});

test("a wrong current password says so in the app's words and changes nothing", async () => {
  const { form, submit } = await openAccount();
  await submit("not my password", "a brand new password");
  expect((await form.findByRole("alert")).textContent).toBe("That is not your current password. Check it and try again.");
  expect(form.queryByRole("status")).toBeNull();
  expect(indicator().textContent).toBe("Live");
});

test("without signing out the other devices: it says so, and the session and its stream stay", async () => {
  const { form, submit } = await openAccount();
  await userEvent.setup().click(form.getByLabelText("Sign out my other devices"));
  const stream = backend.openStreams()[0];
  await submit("the old password", "a brand new password");
  expect((await form.findByRole("status")).textContent).toBe("Password changed.");
  expect(backend.openStreams()).toEqual([stream]);
});
