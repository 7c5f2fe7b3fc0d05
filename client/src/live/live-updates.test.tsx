// Live updates on the screens, in the whole app, with the auth service and the API (GraphQL SSE included)
// faked at fetch: what another device does shows up here by itself, on the list and on the edit screen.
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createFakeBackend, type FakeBackend } from "../../test/support/fake-backend.ts";
import { App } from "../app.tsx";
import { createAppAuthClient } from "../auth/auth-client.ts";

let backend: FakeBackend;

beforeEach(() => {
  backend = createFakeBackend();
  vi.stubGlobal("fetch", backend.fetch);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

function signedInAda() {
  const ada = backend.addUser("ada@example.com");
  backend.signInAs(ada);
  return ada;
}

function renderApp(path = "/") {
  window.history.replaceState(null, "", path);
  return render(<App authClient={createAppAuthClient({ fetch: backend.fetch as typeof fetch })} />);
}

const indicator = () => screen.getByRole("banner").querySelector(".live-indicator")!;
const isLive = () => waitFor(() => expect(indicator().textContent).toBe("Live"));
const titles = () =>
  within(screen.getByRole("list", { name: "Tasks" }))
    .queryAllByText((_, element) => element?.classList.contains("task-title") ?? false)
    .map((element) => element.textContent);
const listRequests = () => backend.requests("/graphql").filter((request) => request.operationName === "Tasks").length;

describe("the task list", () => {
  test("a task added, changed and deleted on another device appears, changes and goes, with the count; the header says Live", async () => {
    const ada = signedInAda();
    const kept = backend.addTask(ada, "Already here");
    renderApp();
    await screen.findByText("Already here");
    await isLive();

    const added = backend.createElsewhere(ada, "Added on the phone");
    await waitFor(() => expect(titles()).toEqual(["Added on the phone", "Already here"]));
    expect(screen.getByText("2 tasks")).toBeTruthy();

    backend.updateElsewhere(ada, kept.id, { title: "Renamed on the phone", completed: true });
    await waitFor(() => expect(titles()).toEqual(["Added on the phone", "Renamed on the phone"]));
    expect((screen.getByRole("checkbox", { name: "Done: Renamed on the phone" }) as HTMLInputElement).checked).toBe(true);

    backend.deleteElsewhere(ada, added.id);
    await waitFor(() => expect(titles()).toEqual(["Renamed on the phone"]));
    expect(screen.getByText("1 task")).toBeTruthy();
  });

  test("a filtered list follows: a task completed elsewhere leaves Open", async () => {
    const ada = signedInAda();
    const task = backend.addTask(ada, "Water the plants");
    backend.addTask(ada, "Call the bank");
    renderApp("/?show=open");
    await waitFor(() => expect(titles()).toEqual(["Call the bank", "Water the plants"]));
    await isLive();

    backend.updateElsewhere(ada, task.id, { completed: true });
    await waitFor(() => expect(titles()).toEqual(["Call the bank"]));
  });

  test("after the stream was down, the list is refetched once when it is back: what changed meanwhile shows, no row twice", async () => {
    const ada = signedInAda();
    backend.addTask(ada, "Before the outage");
    renderApp();
    await screen.findByText("Before the outage");
    await isLive();

    backend.cutStreams();
    await waitFor(() => expect(indicator().textContent).toBe("Reconnecting…"));
    backend.createElsewhere(ada, "Added during the outage"); // no stream is open: no event reaches the app
    const before = listRequests();
    window.dispatchEvent(new Event("online")); // reconnect now rather than after the backoff
    await isLive();

    await waitFor(() => expect(titles()).toEqual(["Added during the outage", "Before the outage"]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(listRequests() - before).toBe(1);
    expect(titles()).toEqual(["Added during the outage", "Before the outage"]);
  });

  test("the stream ending with the session (signed out elsewhere) lands on sign-in with “You were signed out.”, with no action here", async () => {
    const ada = signedInAda();
    backend.addTask(ada, "Ada's private task");
    renderApp();
    await screen.findByText("Ada's private task");
    await isLive();

    backend.endSession();
    backend.completeStreams(); // as the API does within a second of the revocation
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toBe("You were signed out.");
    expect(document.body.textContent).not.toContain("Ada's private task");
  });
});

describe("changes that arrive while the list is being fetched", () => {
  /** The next list answers are computed at once (what the server read) but delivered only when released. */
  function holdListAnswers() {
    const waiting: (() => void)[] = [];
    let holding = true;
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await backend.fetch(input, init);
      if (holding && backend.sent.at(-1)?.operationName === "Tasks") await new Promise<void>((release) => waiting.push(release));
      return response;
    });
    return {
      waiting: () => waiting.length,
      releaseOldest() {
        waiting.shift()?.();
      },
      releaseAll() {
        holding = false;
        for (const release of waiting.splice(0)) release();
      },
    };
  }

  test("a change while the app's own refetch is in flight is followed by one more refetch", async () => {
    const ada = signedInAda();
    renderApp();
    await screen.findByText("No tasks yet. Add your first one above.");
    await isLive();
    const held = holdListAnswers();
    backend.createElsewhere(ada, "First"); // refetch 1 reads the list now...
    await waitFor(() => expect(held.waiting()).toBe(1));
    backend.createElsewhere(ada, "Second"); // ...and this comes after that read
    await new Promise((resolve) => setTimeout(resolve, 50));
    held.releaseAll();
    await waitFor(() => expect(titles()).toEqual(["Second", "First"]));
  });

  test("a change while the refetch after the app's own add is in flight, answers arriving in the order sent: one request for the change, not a loop", async () => {
    const ada = signedInAda();
    backend.addTask(ada, "Already here");
    renderApp();
    await screen.findByText("Already here");
    await isLive();
    const held = holdListAnswers();
    const before = listRequests();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Title"), "Added here");
    await user.click(screen.getByRole("button", { name: "Add task" }));
    await waitFor(() => expect(held.waiting()).toBe(1)); // urql's cache refetches the list after the add...
    backend.createElsewhere(ada, "Added elsewhere"); // ...and this change's refetch goes out while that one is in flight
    await waitFor(() => expect(held.waiting()).toBe(2));

    // The answers come back one at a time, oldest first (as they did in the browser); a refetch that takes any
    // answer for its query as its own sends another each time, forever. The loop stops itself after 20.
    for (let answered = 0; held.waiting() > 0 && answered < 20; answered += 1) {
      held.releaseOldest();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    held.releaseAll();
    await waitFor(() => expect(titles()).toEqual(["Added elsewhere", "Added here", "Already here"]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(listRequests() - before).toBe(2); // the refetch after the add, and one for the change
  });

  test("a change while the first load is in flight (urql sends no second request for it) is fetched after it", async () => {
    const ada = signedInAda();
    const held = holdListAnswers();
    renderApp();
    await waitFor(() => expect(held.waiting()).toBe(1)); // the first load read an empty list
    await isLive();
    backend.createElsewhere(ada, "Added while the list was loading");
    await new Promise((resolve) => setTimeout(resolve, 50));
    held.releaseAll();
    await waitFor(() => expect(titles()).toEqual(["Added while the list was loading"]));
  });
});

describe("the edit screen", () => {
  async function openEditScreen() {
    const ada = signedInAda();
    const task = backend.addTask(ada, "Plan the trip");
    renderApp(`/tasks/${task.id}`);
    const title = (await screen.findByLabelText("Title")) as HTMLInputElement;
    expect(title.value).toBe("Plan the trip");
    await isLive();
    return { ada, task, title };
  }

  test("untouched, it shows what was saved on another device", async () => {
    const { ada, task, title } = await openEditScreen();
    backend.updateElsewhere(ada, task.id, { title: "Plan the trip to Lisbon", description: "flights first" });
    await waitFor(() => expect(title.value).toBe("Plan the trip to Lisbon"));
    expect((screen.getByLabelText("Description (optional)") as HTMLTextAreaElement).value).toBe("flights first");
    expect(screen.queryByText(/changed on another device/)).toBeNull();
    expect((screen.getByRole("button", { name: "Save changes" }) as HTMLButtonElement).disabled).toBe(true); // nothing to save
  });

  test("while typing, it keeps the draft and says the task changed elsewhere; “Show the new version” shows it", async () => {
    const { ada, task, title } = await openEditScreen();
    const user = userEvent.setup();
    await user.clear(title);
    await user.type(title, "My own title");
    backend.updateElsewhere(ada, task.id, { title: "Their title" });

    expect(await screen.findByText(/This task was changed on another device or tab\. Your changes are kept here/)).toBeTruthy();
    expect(title.value).toBe("My own title");
    expect((screen.getByRole("button", { name: "Save changes" }) as HTMLButtonElement).disabled).toBe(false);

    await user.click(screen.getByRole("button", { name: "Show the new version" }));
    expect(title.value).toBe("Their title");
  });

  test("deleted on another device, it says so, keeps what was typed and cannot save", async () => {
    const { ada, task, title } = await openEditScreen();
    const user = userEvent.setup();
    await user.type(title, " and book it");
    backend.deleteElsewhere(ada, task.id);

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("This task was deleted on another device or tab.");
    expect(title.value).toBe("Plan the trip and book it");
    expect((screen.getByRole("button", { name: "Save changes" }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.queryByRole("button", { name: "Delete “Plan the trip”" })).toBeNull();
    expect(screen.getByRole("link", { name: "Back to your tasks" })).toBeTruthy();
    expect(screen.queryByRole("heading", { name: "Task not found" })).toBeNull();
  });

  test("a change to another task does not refetch this one", async () => {
    const { ada } = await openEditScreen();
    const other = backend.addTask(ada, "Something else");
    const taskRequests = () => backend.requests("/graphql").filter((request) => request.operationName === "Task").length;
    const before = taskRequests();
    backend.updateElsewhere(ada, other.id, { title: "Something else, renamed" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(taskRequests()).toBe(before);
  });
});
