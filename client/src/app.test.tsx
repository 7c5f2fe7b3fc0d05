// The whole app in happy-dom, with the auth service and the API faked at fetch.
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createFakeBackend, type FakeBackend } from "../test/support/fake-backend.ts";
import { App } from "./app.tsx";
import { createAppAuthClient } from "./auth/auth-client.ts";
import { readClaims } from "./auth/token-store.ts";

let backend: FakeBackend;

beforeEach(() => {
  backend = createFakeBackend();
  vi.stubGlobal("fetch", backend.fetch); // urql's fetch; Better Auth's client gets it explicitly below.
});

afterEach(() => {
  vi.unstubAllGlobals();
});

function renderApp() {
  return render(<App authClient={createAppAuthClient({ fetch: backend.fetch as typeof fetch })} />);
}

/** The page's text and what its form fields hold (a field's value is not text, yet it is shown). */
function shownNow(): string {
  const fields = [...document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input, textarea")].map((field) => field.value);
  return [document.body.textContent ?? "", ...fields].join("\n");
}

/** Everything the page shows from now on, including anything shown only for a moment. */
function recordEverythingShown() {
  const seen: string[] = [];
  const observer = new MutationObserver(() => seen.push(shownNow()));
  observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  return {
    seen,
    stop: () => {
      seen.push(...observer.takeRecords().map(() => shownNow()));
      observer.disconnect();
    },
  };
}

async function signIn(email: string, password = "a long password") {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Email"), email);
  await user.type(screen.getByLabelText("Password"), password);
  await user.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("switching accounts in one tab", () => {
  test("after signing out and in as another user, only that user's tasks are ever shown: urql's cache went with the session", async () => {
    const ada = backend.addUser("ada@example.com");
    const bob = backend.addUser("bob@example.com");
    backend.addTask(ada, "Ada's private task");
    backend.addTask(bob, "Bob's own task");
    backend.signInAs(ada);
    renderApp();
    expect(await screen.findByText("Ada's private task")).toBeTruthy();

    await userEvent.setup().click(screen.getByRole("button", { name: "Sign out" }));
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.queryByText("Ada's private task")).toBeNull();

    const shown = recordEverythingShown();
    await signIn("bob@example.com");
    expect(await screen.findByText("Bob's own task")).toBeTruthy();
    shown.stop();

    expect(shown.seen.some((text) => text.includes("Ada's private task"))).toBe(false);
    const lastList = backend
      .requests("/graphql")
      .filter((request) => request.operationName === "Tasks")
      .at(-1)!;
    expect(readClaims(lastList.authorization!.replace("Bearer ", "")).sub).toBe(bob.id);
    // Neither user's session cookie ever went to the API: every GraphQL request told fetch to leave cookies out.
    expect(backend.requests("/graphql").length).toBeGreaterThan(1);
    expect(backend.requests("/graphql").filter((request) => request.credentials !== "omit")).toEqual([]);
  });
});

describe("when the session ends behind the app's back", () => {
  test("the sign-in screen says so, and the task being typed is still there after signing in again", async () => {
    const ada = backend.addUser("ada@example.com");
    backend.signInAs(ada);
    renderApp();
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Title"), "Text that must survive");
    await screen.findByText("No tasks yet. Add your first one above.");

    backend.endSession(); // e.g. the session expired or was revoked: the API refuses the token, and no new one is issued
    await user.click(screen.getByRole("button", { name: "Add task" }));

    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toBe("You were signed out.");
    expect(screen.getByText("Sign in again to continue; anything you typed is kept.")).toBeTruthy();

    await signIn("ada@example.com");
    const title = (await screen.findByLabelText("Title")) as HTMLInputElement;
    expect(title.value).toBe("Text that must survive");
    expect(screen.getByText("Your unsaved task is back, just as you left it.")).toBeTruthy();
  });

  test("whoever signs in next in that tab gets empty fields and no note, and the draft waits for the one who typed it", async () => {
    const ada = backend.addUser("ada@example.com");
    backend.addUser("bob@example.com");
    backend.signInAs(ada);
    renderApp();
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Title"), "Ada's unsaved idea");
    await user.type(screen.getByLabelText("Description (optional)"), "Ada's private details");
    await screen.findByText("No tasks yet. Add your first one above.");

    backend.endSession();
    await user.click(screen.getByRole("button", { name: "Add task" }));
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();

    const shown = recordEverythingShown();
    await signIn("bob@example.com");
    const title = (await screen.findByLabelText("Title")) as HTMLInputElement;
    await screen.findByText("No tasks yet. Add your first one above.");
    shown.stop();

    expect(shown.seen.some((text) => text.includes("Ada's unsaved idea"))).toBe(false);
    expect(shown.seen.some((text) => text.includes("Ada's private details"))).toBe(false);
    expect(title.value).toBe("");
    expect((screen.getByLabelText("Description (optional)") as HTMLTextAreaElement).value).toBe("");
    expect(screen.queryByText("Your unsaved task is back, just as you left it.")).toBeNull();

    // Bob signs out; Ada signs in again in the same tab, and her draft is back.
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    await signIn("ada@example.com");
    expect(((await screen.findByLabelText("Title")) as HTMLInputElement).value).toBe("Ada's unsaved idea");
    expect((screen.getByLabelText("Description (optional)") as HTMLTextAreaElement).value).toBe("Ada's private details");
    expect(screen.getByText("Your unsaved task is back, just as you left it.")).toBeTruthy();
  });
});
