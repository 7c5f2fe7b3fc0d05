// "Devices and sessions" in the whole app, with Better Auth's endpoints faked at fetch.
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createFakeBackend, type FakeBackend } from "../../test/support/fake-backend.ts";
import { App } from "../app.tsx";
import { createAppAuthClient } from "../auth/auth-client.ts";
import { formatMoment } from "../ui/local-dates.ts";

const WINDOWS_CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const IPHONE_SAFARI =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

// Local times (the Date constructor takes local time), so the test holds in any time zone.
const NOW = new Date(2026, 2, 12, 15, 0);
const at = (day: number, hour: number, minute = 0) => new Date(2026, 2, day, hour, minute);

let backend: FakeBackend;
/** Requests to these paths wait until the test lets them through (see hold). */
const holds = new Set<string>();
let held: Map<string, () => void>;
/** The next request to these paths fails with a 500. */
const failOnce = new Set<string>();

const fetchThroughTest = async (input: RequestInfo | URL, init?: RequestInit) => {
  const path = new URL(input instanceof Request ? input.url : String(input), "http://localhost:5173").pathname;
  if (holds.has(path)) await new Promise<void>((release) => held.set(path, release));
  if (failOnce.delete(path)) return Response.json({ message: "Internal Server Error" }, { status: 500 });
  return backend.fetch(input, init);
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"], now: NOW }); // only the clock: timers stay real for React and the waits
  backend = createFakeBackend();
  held = new Map();
  vi.stubGlobal("fetch", fetchThroughTest);
});

afterEach(() => {
  holds.clear();
  failOnce.clear();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

function hold(path: string) {
  holds.add(path);
  return {
    async release() {
      await waitFor(() => expect(held.has(path)).toBe(true));
      holds.delete(path);
      held.get(path)!();
    },
  };
}

function setUpAda(options: { signedInAt?: Date; others?: boolean } = {}) {
  const ada = backend.addUser("ada@example.com");
  backend.addTask(ada, "Ada's private task");
  const signedInAt = (options.signedInAt ?? at(12, 9, 5)).toISOString();
  backend.signInAs(ada, { ipAddress: "203.0.113.7", createdAt: signedInAt, updatedAt: signedInAt });
  render(<App authClient={createAppAuthClient({ fetch: fetchThroughTest as typeof fetch })} />);
  if (options.others === false) return { ada };
  const phone = backend.addOtherSession(ada, {
    userAgent: IPHONE_SAFARI,
    ipAddress: "198.51.100.23",
    createdAt: at(2, 14, 30).toISOString(),
    updatedAt: at(11, 20, 15).toISOString(),
  });
  const laptop = backend.addOtherSession(ada, {
    userAgent: WINDOWS_CHROME,
    ipAddress: "192.0.2.44",
    createdAt: at(10, 8).toISOString(),
    updatedAt: at(12, 11, 45).toISOString(),
  });
  return { ada, phone, laptop };
}

async function openSessions() {
  await userEvent.setup().click(await screen.findByRole("link", { name: "Devices and sessions" }));
  return screen.findByRole("list", { name: "Devices and sessions" });
}

const rows = (list: HTMLElement) => within(list).getAllByRole("listitem");

describe("Devices and sessions", () => {
  test("lists every session with its browser and system, IP address, and when it started and was last active; this one first, as This device", async () => {
    setUpAda();
    const list = await openSessions();
    expect(screen.getByRole("heading", { name: "Devices and sessions", level: 1 })).toBeTruthy();
    expect(document.title).toBe("Devices and sessions · Tasks");

    const [current, laptop, phone] = rows(list);
    expect(rows(list)).toHaveLength(3);
    expect(current!.textContent).toBe(
      `Firefox on macOSThis deviceIP address 203.0.113.7Signed in ${formatMoment(at(12, 9, 5))}Last active Now`,
    );
    expect(within(current!).queryByRole("button")).toBeNull(); // leaving this session is the header's Sign out
    // The others, most recently active first; times in the reader's own time zone, as the task list writes days.
    expect(laptop!.textContent).toContain("Chrome on Windows");
    expect(laptop!.textContent).toContain("IP address 192.0.2.44");
    expect(laptop!.textContent).toContain(`Signed in ${formatMoment(at(10, 8))}Last active ${formatMoment(at(12, 11, 45))}`);
    expect(phone!.textContent).toContain("Safari on iOS");
    expect(phone!.textContent).toContain("IP address 198.51.100.23");
    expect(phone!.textContent).toContain(`Signed in ${formatMoment(at(2, 14, 30))}Last active ${formatMoment(at(11, 20, 15))}`);
    expect(formatMoment(at(11, 20, 15))).toMatch(/^Yesterday at /);
    for (const row of [laptop!, phone!]) expect(within(row).queryByText("This device")).toBeNull();
  });

  test("Sign out on another session revokes that session by its id; its row goes, the others stay, and the button waits for the answer", async () => {
    const { ada, phone, laptop } = setUpAda();
    const list = await openSessions();
    const revoke = hold("/api/auth/revoke-session");
    const button = within(rows(list)[1]!).getByRole("button", { name: "Sign out Chrome on Windows (IP address 192.0.2.44)" });
    await userEvent.setup().click(button);

    await waitFor(() => expect((button as HTMLButtonElement).disabled).toBe(true));
    expect(button.textContent).toBe("Signing out…");
    await revoke.release();

    await waitFor(() => expect(within(list).queryByText("Chrome on Windows")).toBeNull());
    expect(rows(list).map((row) => row.querySelector(".device-name")!.textContent)).toEqual([
      "Firefox on macOSThis device",
      "Safari on iOS",
    ]);
    expect(screen.getByText("Signed out Chrome on Windows.")).toBeTruthy();
    expect(backend.requests("/api/auth/revoke-session").map((request) => request.body)).toEqual([{ token: laptop!.id }]);
    expect(backend.sessionsOf(ada).map((session) => session.id)).toEqual([backend.sessionsOf(ada)[0]!.id, phone!.id]);
    expect(screen.getByRole("heading", { name: "Devices and sessions", level: 1 })).toBeTruthy(); // still signed in
  });

  test("Sign out everywhere else asks first, then signs out every other session, and this one stays", async () => {
    const { ada } = setUpAda();
    const list = await openSessions();
    const user = userEvent.setup();

    await user.click(screen.getByRole("button", { name: "Sign out everywhere else" }));
    const dialog = screen.getByRole("alertdialog", { name: "Sign out everywhere else?" });
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(backend.requests("/api/auth/revoke-other-sessions")).toHaveLength(0);

    await user.click(screen.getByRole("button", { name: "Sign out everywhere else" }));
    const revoke = hold("/api/auth/revoke-other-sessions");
    const confirm = within(screen.getByRole("alertdialog")).getByRole("button", { name: "Sign out everywhere else" });
    await user.click(confirm);
    await waitFor(() => expect(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Signing out…" })).toBeTruthy());
    expect((within(screen.getByRole("alertdialog")).getByRole("button", { name: "Signing out…" }) as HTMLButtonElement).disabled).toBe(
      true,
    );
    await revoke.release();

    await waitFor(() => expect(rows(list)).toHaveLength(1));
    expect(rows(list)[0]!.textContent).toContain("This device");
    expect(screen.getByText("No other browser or device is signed in to your account.")).toBeTruthy();
    expect(screen.getByText("Signed out everywhere else.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Sign out everywhere else" })).toBeNull();
    expect(backend.sessionsOf(ada)).toHaveLength(1);
    expect(backend.sessionsOf(ada)[0]!.ipAddress).toBe("203.0.113.7");
    expect(screen.queryByRole("heading", { name: "Sign in" })).toBeNull();
  });

  test("only this device: says that no other one is signed in, and offers nothing to sign out", async () => {
    setUpAda({ others: false });
    const list = await openSessions();
    expect(rows(list)).toHaveLength(1);
    expect(screen.getByText("No other browser or device is signed in to your account.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /^Sign out (everywhere|.* \(IP)/ })).toBeNull();
  });

  test("says it is loading; a failure says what to do and Retry loads the list", async () => {
    setUpAda();
    const list = hold("/api/auth/list-sessions");
    failOnce.add("/api/auth/list-sessions");
    await userEvent.setup().click(await screen.findByRole("link", { name: "Devices and sessions" }));
    expect(screen.getByText("Loading your devices and sessions…")).toBeTruthy();
    await list.release();

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The sign-in service had a problem. Try again in a moment.");
    await userEvent.setup().click(within(alert).getByRole("button", { name: "Retry" }));
    expect(rows(await screen.findByRole("list", { name: "Devices and sessions" }))).toHaveLength(3);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  test("signed in over a day ago, the list is refused: it says to sign in again, and Sign out everywhere else still works", async () => {
    const { ada } = setUpAda({ signedInAt: at(10, 9) });
    await userEvent.setup().click(await screen.findByRole("link", { name: "Devices and sessions" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe(
      "For your safety, this list is shown only within a day of signing in. Sign out, sign in again, and come back here.",
    );
    expect(within(alert).queryByRole("button", { name: "Retry" })).toBeNull();

    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Sign out everywhere else" }));
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Sign out everywhere else" }));
    await waitFor(() => expect(backend.sessionsOf(ada)).toHaveLength(1));
    expect(await screen.findByText("Signed out everywhere else.")).toBeTruthy();
  });

  test("when this session itself turns out to be gone, it lands on sign-in with “You were signed out.”", async () => {
    setUpAda();
    const list = await openSessions();
    backend.endSession(); // signed out everywhere from another device meanwhile
    await userEvent.setup().click(within(rows(list)[1]!).getByRole("button", { name: /^Sign out Chrome on Windows/ }));

    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toBe("You were signed out.");
    expect(document.body.textContent).not.toContain("198.51.100.23");
  });
});

describe("Recent security activity", () => {
  const activity = () => screen.findByRole("list", { name: "Recent security activity" });
  const lines = (list: HTMLElement) =>
    within(list)
      .getAllByRole("listitem")
      .map((line) => line.textContent);

  test("a run of failed sign-ins is one line with its count and first and last time; your own sign-in shows its address and browser; an admin's action says who as a kind", async () => {
    const { ada } = setUpAda();
    backend.setSecurityEvents(ada, [
      {
        id: "run",
        kind: "SIGN_IN_FAILED",
        actor: "ANONYMOUS",
        at: at(12, 14, 30).toISOString(),
        firstAt: at(12, 11).toISOString(),
        count: 12,
        detail: '{"reason":"invalid_credentials"}',
      },
      { id: "mine", kind: "SIGN_IN", actor: "SELF", at: at(12, 9, 5).toISOString(), ipAddress: "203.0.113.7", userAgent: WINDOWS_CHROME },
      { id: "admin", kind: "USER_SESSIONS_ENDED", actor: "ADMINISTRATOR", at: at(11, 20).toISOString(), detail: '{"by":"admin"}' },
      { id: "one", kind: "SIGN_IN_FAILED", actor: "ANONYMOUS", at: at(11, 8).toISOString(), detail: '{"reason":"account_locked"}' },
    ]);
    await openSessions();
    expect(lines(await activity())).toEqual([
      `12 failed sign-in attempts ${formatMoment(at(12, 11))} – ${formatMoment(at(12, 14, 30))} · by someone not signed in`,
      `Signed in ${formatMoment(at(12, 9, 5))} · 203.0.113.7 · Chrome on Windows`,
      `Every session ended ${formatMoment(at(11, 20))} · by an administrator`,
      `Failed sign-in attempt (too many failed attempts) ${formatMoment(at(11, 8))} · by someone not signed in`,
    ]);
    expect(screen.queryByRole("button", { name: "Show more" })).toBeNull();
  });

  test("Show more loads the next ten after the last one shown, and goes when there are no more", async () => {
    const { ada } = setUpAda();
    backend.setSecurityEvents(
      ada,
      Array.from({ length: 23 }, (_, index) => ({
        id: `event-${index}`,
        kind: "SIGN_IN",
        actor: "SELF" as const,
        at: at(12, 14, 59 - index).toISOString(),
        ipAddress: `192.0.2.${index}`,
      })),
    );
    await openSessions();
    const list = await activity();
    await waitFor(() => expect(lines(list)).toHaveLength(10));
    const user = userEvent.setup();
    // The button comes with the page's pageInfo, which may render a moment after its lines: wait for it.
    await user.click(await screen.findByRole("button", { name: "Show more" }));
    await waitFor(() => expect(lines(list)).toHaveLength(20));
    await user.click(await screen.findByRole("button", { name: "Show more" }));
    await waitFor(() => expect(lines(list)).toHaveLength(23));
    expect(lines(list).map((line) => line!.split(" · ")[1])).toEqual(Array.from({ length: 23 }, (_, index) => `192.0.2.${index}`));
    expect(screen.queryByRole("button", { name: "Show more" })).toBeNull();
    const asked = backend.sent
      .filter((request) => request.operationName === "SecurityEvents")
      .map((request) => request.body?.variables.after);
    expect(asked).toEqual([null, "cursor-9", "cursor-19"]);
  });
});
