// What the app does when the API starts refusing a token (HTTP 401) because something ended elsewhere: the
// session (sign-out in another tab or on another device, "Sign out everywhere else", a ban) or only the role
// the token carried. Either way the exchange renews the token once; what renewal finds decides the rest.
import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createFakeBackend, type FakeBackend } from "../../test/support/fake-backend.ts";
import { App } from "../app.tsx";
import { createAppAuthClient } from "./auth-client.ts";

let backend: FakeBackend;

function setUp(options: { sessionLifetimeSeconds?: number } = {}) {
  backend = createFakeBackend(options);
  vi.stubGlobal("fetch", backend.fetch);
  const ada = backend.addUser("ada@example.com");
  backend.addTask(ada, "Ada's private task");
  backend.signInAs(ada);
  render(<App authClient={createAppAuthClient({ fetch: backend.fetch as typeof fetch })} />);
  return ada;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

const createTaskRequests = () => backend.requests("/graphql").filter((request) => request.operationName === "CreateTask");

async function typeAndAdd(title: string) {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Title"), title);
  await user.click(screen.getByRole("button", { name: "Add task" }));
}

describe("an API 401 after the session was ended elsewhere", () => {
  beforeEach(async () => {
    setUp();
    await screen.findByText("Ada's private task");
  });

  test("renews once, finds the session gone, and lands on sign-in with “You were signed out.” and nothing private", async () => {
    backend.endSession(); // e.g. "Sign out everywhere else" on another device: the API refuses the token, no new one is issued
    const tokenRequestsBefore = backend.requests("/api/auth/token").length;
    await typeAndAdd("Typed after the sign-out elsewhere");

    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toBe("You were signed out.");
    expect(screen.getByText("Sign in again to continue; anything you typed is kept.")).toBeTruthy();
    expect(document.body.textContent).not.toContain("Ada's private task");
    expect(backend.requests("/api/auth/token").length - tokenRequestsBefore).toBe(1); // one renewal, no loop
    expect(createTaskRequests()).toHaveLength(1); // not retried without a token

    await userEvent.setup().type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.setup().type(screen.getByLabelText("Password"), "a long password");
    await userEvent.setup().click(screen.getByRole("button", { name: "Sign in" }));
    expect(((await screen.findByLabelText("Title")) as HTMLInputElement).value).toBe("Typed after the sign-out elsewhere");
  });

  test("signed out in another tab of this browser: Better Auth's message to the tab finds the session gone, with the same words", async () => {
    backend.endSession();
    act(() => {
      // What Better Auth's client in the other tab writes to localStorage when it signs out.
      const message = JSON.stringify({
        event: "session",
        data: { trigger: "signout" },
        clientId: "other-tab",
        timestamp: Math.floor(Date.now() / 1000),
      });
      window.dispatchEvent(new StorageEvent("storage", { key: "better-auth.message", newValue: message }));
    });

    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toBe("You were signed out.");
    expect(document.body.textContent).not.toContain("Ada's private task");
  });
});

test("a session that reached its expiry says it ended, not that someone signed it out", async () => {
  setUp({ sessionLifetimeSeconds: 1 });
  await screen.findByText("Ada's private task");
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  backend.endSession();
  await typeAndAdd("Typed after the expiry");

  expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
  expect(screen.getByRole("alert").textContent).toBe("Your session has ended.");
});

test("an API 401 while the session still exists (the role changed): the new token is used and the user stays where they are", async () => {
  setUp();
  await screen.findByText("Ada's private task");
  backend.revokeTokens(); // e.g. admin taken away: every earlier token is refused, the session lives on
  await typeAndAdd("Added after the role change");

  const list = screen.getByRole("list", { name: "Tasks" });
  await waitFor(() => expect(list.textContent).toContain("Added after the role change"));
  expect(screen.queryByRole("heading", { name: "Sign in" })).toBeNull();
  expect(screen.queryByRole("alert")).toBeNull();
  expect(list.textContent).toContain("Ada's private task");
  const [refused, retried] = createTaskRequests();
  expect(createTaskRequests()).toHaveLength(2);
  expect(retried!.authorization).not.toBe(refused!.authorization);
  const lastList = backend
    .requests("/graphql")
    .filter((request) => request.operationName === "Tasks")
    .at(-1)!;
  expect(lastList.authorization).toBe(retried!.authorization); // and it keeps using the new one
});
