// Every screen at a desktop's 1280 px and a phone's 390 px, in chromium against the real services: one <main>
// each, nothing wider than the window, the signed-in screens' cards in one column and apart, the header on one
// row on a desktop, the app named on the signed-out screens, /dev/mail styled under its own policy. Keyboard
// use: a skip link on the screens with a header, focus back on the control that opened any dialog, and a focus
// ring that stands out on every control. Screenshots of each screen go to client/test-artifacts/screens/.
import type { Browser, Locator, Page } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import {
  addTask,
  newVisitor,
  PASSWORD,
  recordCspViolations,
  screenshotPath,
  signUp,
  taskId,
  withAppInChromium,
  type BrowserUser,
} from "../support/browser.ts";
import { type SecondFactor, signInWithCode, turnOnTwoStepVerificationAndSignIn } from "../support/two-factor.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

const WIDTHS = [1280, 390] as const;
const MISSING_TASK = "6d1f0c2e-0000-4000-8000-000000000000";

interface Screen {
  name: string;
  path: string;
  /** Resolves when the screen shows what it is for. */
  ready(page: Page): Promise<void>;
}

const heading = (name: string) => (page: Page) => page.getByRole("heading", { name, level: 1 }).waitFor();

const SIGNED_OUT_SCREENS: Screen[] = [
  { name: "sign-in", path: "/sign-in", ready: heading("Sign in") },
  { name: "sign-up", path: "/sign-up", ready: heading("Create an account") },
  { name: "forgot-password", path: "/forgot-password", ready: heading("Forgot password") },
  { name: "reset-password-no-link", path: "/reset-password", ready: heading("Choose a new password") },
  { name: "undo-email-change-no-link", path: "/undo-email-change", ready: heading("Undo the email change") },
  { name: "not-found", path: "/no-such-page", ready: (page) => page.getByRole("heading", { level: 1 }).waitFor() },
];

function signedInScreens(taskPath: string): Screen[] {
  return [
    { name: "tasks", path: "/", ready: (page) => page.getByRole("list", { name: "Tasks" }).getByRole("listitem").first().waitFor() },
    { name: "task", path: taskPath, ready: heading("Edit task") },
    { name: "task-not-found", path: `/tasks/${MISSING_TASK}`, ready: heading("Task not found") },
    {
      name: "sessions",
      path: "/sessions",
      ready: async (page) => {
        await page.getByText("This device", { exact: true }).waitFor();
        await page.getByRole("list", { name: "Recent security activity" }).waitFor();
      },
    },
    { name: "account", path: "/account", ready: heading("Account") },
    { name: "admin", path: "/admin", ready: (page) => page.getByRole("list", { name: "Users" }).getByRole("listitem").nth(1).waitFor() },
  ];
}

interface Facts {
  screen: string;
  mains: number;
  /** How far the page is wider than the window (0 when it fits). */
  overflow: number;
  /** Each level-1 heading: inside a card, or there for screen readers only. */
  headingsOutsideCards: string[];
  /** The main column's top-level cards: their left edge and width, and the space between one and the next. */
  cards: { left: number; width: number }[];
  gaps: number[];
}

async function measure(page: Page, screen: string): Promise<Facts> {
  return page.evaluate((screen) => {
    const rect = (element: Element) => element.getBoundingClientRect();
    const cards = [...document.querySelectorAll("main .card")].filter((card) => !card.parentElement?.closest(".card"));
    const boxes = cards.map(rect).sort((a, b) => a.top - b.top);
    return {
      screen,
      mains: document.querySelectorAll("main").length,
      overflow: Math.max(0, document.documentElement.scrollWidth - window.innerWidth),
      headingsOutsideCards: [...document.querySelectorAll("h1")]
        .filter((h1) => !h1.closest(".card") && !h1.classList.contains("visually-hidden"))
        .map((h1) => h1.textContent ?? ""),
      cards: boxes.map((box) => ({ left: Math.round(box.left), width: Math.round(box.width) })),
      gaps: boxes.slice(1).map((box, index) => Math.round(box.top - boxes[index]!.bottom)),
    };
  }, screen);
}

/** Each screen at each width: a full-page screenshot and its measurements. */
async function visit(page: Page, screens: Screen[]): Promise<Facts[]> {
  const facts: Facts[] = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    for (const screen of screens) {
      await page.goto(screen.path);
      await screen.ready(page);
      await page.screenshot({ path: screenshotPath(`screens/${screen.name}-${width}.png`), fullPage: true });
      facts.push(await measure(page, `${screen.name} at ${width}`));
    }
  }
  return facts;
}

/** The vertical spread of the centres of what the header holds (0: one row). */
function headerRowSpread(page: Page): Promise<number> {
  return page.evaluate(() => {
    const items = [...document.querySelectorAll(".app-header :is(a, button, .who)")].filter((item) => item.getClientRects().length > 0);
    const centres = items.map((item) => {
      const box = item.getBoundingClientRect();
      return box.top + box.height / 2;
    });
    return Math.round(Math.max(...centres) - Math.min(...centres));
  });
}

async function signedInAdminWithTasks(): Promise<{ admin: BrowserUser; bob: BrowserUser; taskPath: string; secondFactor: SecondFactor }> {
  const bob = await newVisitor(browser, app, "Bob");
  await signUp(bob);
  const admin = await newVisitor(browser, app, "Ada");
  await signUp(admin);
  const secondFactor = await turnOnTwoStepVerificationAndSignIn(admin); // an admin has a second factor (the operator's command insists)
  await app.grantAdmin(admin.email);
  await admin.page.reload(); // the next token carries the role
  await admin.page.getByRole("link", { name: "Users (admin)" }).waitFor();
  await addTask(admin.page, "Water the plants");
  await addTask(admin.page, "Call the plumber about the kitchen sink");
  return { admin, bob, secondFactor, taskPath: `/tasks/${encodeURIComponent(await taskId(admin.page, "Water the plants"))}` };
}

test("the signed-out screens and /dev/mail: one <main>, nothing wider than the window, the app named; /dev/mail styled under its policy", async () => {
  const visitor = await newVisitor(browser, app, "Cy");
  const violations = await recordCspViolations(visitor.context);
  const { page } = visitor;
  const facts = await visit(page, SIGNED_OUT_SCREENS);

  // "Check your inbox" comes only from a sign-up; its mail (one long link) then fills /dev/mail.
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(visitor.name);
  await page.getByLabel("Email").fill(visitor.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
  const mail: Facts[] = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    await page.screenshot({ path: screenshotPath(`screens/check-inbox-${width}.png`), fullPage: true });
    facts.push(await measure(page, `check-inbox at ${width}`));
  }
  await waitForMail(page, visitor.email);
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto("/dev/mail");
    await page.getByRole("heading", { name: "Verify your email for Tasks" }).first().waitFor();
    await page.screenshot({ path: screenshotPath(`screens/dev-mail-${width}.png`), fullPage: true });
    mail.push(await measure(page, `dev-mail at ${width}`));
  }

  expect(facts.filter((fact) => fact.mains !== 1).map(({ screen, mains }) => ({ screen, mains }))).toEqual([]);
  expect(facts.filter((fact) => fact.overflow > 0).map(({ screen, overflow }) => ({ screen, overflow }))).toEqual([]);
  expect(facts.filter((fact) => fact.headingsOutsideCards.length > 0).map(({ screen }) => screen)).toEqual([]);
  for (const screen of [...SIGNED_OUT_SCREENS.map((screen) => screen.path)]) {
    await page.goto(screen);
    await page.getByRole("heading", { level: 1 }).waitFor();
    expect(await page.getByText("Tasks", { exact: true }).isVisible(), `the app's name on ${screen}`).toBe(true);
  }

  expect(mail.map(({ screen, overflow }) => ({ screen, overflow }))).toEqual(
    WIDTHS.map((width) => ({ screen: `dev-mail at ${width}`, overflow: 0 })),
  );
  await page.goto("/dev/mail");
  expect(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).toMatch(/system-ui/);
  expect(violations).toEqual([]);
  expect(visitor.pageErrors).toEqual([]);
  // Its policy allows that one stylesheet, not any: one added to the page is refused.
  const colour = await page.evaluate(async () => {
    const style = document.createElement("style");
    style.textContent = "body { color: rgb(255, 0, 0); }";
    document.head.append(style);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return getComputedStyle(document.body).color;
  });
  expect(colour).not.toBe("rgb(255, 0, 0)");
  await expect.poll(() => violations.filter((violation) => /style-src(-elem)? refused inline/.test(violation))).toHaveLength(1);
  await visitor.context.close();
}, 120_000);

/** The verification mail is sent in the background: wait for it on /dev/mail, without following its link. */
async function waitForMail(page: Page, email: string): Promise<void> {
  await expect
    .poll(
      async () => {
        await page.goto("/dev/mail");
        return page.locator("article").filter({ hasText: email }).count();
      },
      { timeout: 5_000 },
    )
    .toBeGreaterThan(0);
}

test("the signed-in screens: one <main>, nothing wider than the window, one column of cards with space between, the header one row on a desktop", async () => {
  const { admin, bob, taskPath } = await signedInAdminWithTasks();
  const { page } = admin;
  const screens = signedInScreens(taskPath);
  const facts = await visit(page, screens);

  expect(facts.filter((fact) => fact.mains !== 1).map(({ screen, mains }) => ({ screen, mains }))).toEqual([]);
  expect(facts.filter((fact) => fact.overflow > 0).map(({ screen, overflow }) => ({ screen, overflow }))).toEqual([]);
  expect(facts.filter((fact) => fact.headingsOutsideCards.length > 0).map(({ screen }) => screen)).toEqual([]);
  for (const width of WIDTHS) {
    const atWidth = facts.filter((fact) => fact.screen.endsWith(` at ${width}`));
    const column = atWidth[0]!.cards[0]!;
    const offColumn = atWidth.flatMap((fact) =>
      fact.cards
        .filter((card) => card.left !== column.left || card.width !== column.width)
        .map((card) => ({ screen: fact.screen, ...card })),
    );
    expect(offColumn, `every card in the task list's column (${column.left}, ${column.width} px) at ${width}`).toEqual([]);
    const touching = atWidth.flatMap((fact) => fact.gaps.filter((gap) => gap < 12).map((gap) => ({ screen: fact.screen, gap })));
    expect(touching).toEqual([]);
  }

  await page.setViewportSize({ width: 1280, height: 800 });
  for (const screen of screens) {
    await page.goto(screen.path);
    await screen.ready(page);
    expect(await headerRowSpread(page), `the header's items on one row on ${screen.name}`).toBeLessThanOrEqual(4);
  }
  expect(admin.pageErrors).toEqual([]);
  await admin.context.close();
  await bob.context.close();
}, 120_000);

test("a skip link is the first stop of the keyboard on every signed-in screen; it moves focus to the main content, where the next Tab goes on", async () => {
  const { admin, bob, taskPath } = await signedInAdminWithTasks();
  const { page } = admin;
  for (const screen of signedInScreens(taskPath)) {
    await page.goto(screen.path);
    await screen.ready(page);
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to main content" });
    expect(await isFocused(skip), `the first Tab on ${screen.name}`).toBe(true);
    if (screen.name === "tasks") await page.screenshot({ path: screenshotPath("screens/skip-link-focused.png") });
    const box = await skip.boundingBox();
    expect(box && box.width > 1 && box.height > 1 && box.y >= 0, `the skip link is visible once focused on ${screen.name}`).toBe(true);
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.tagName), `the skip link's target on ${screen.name}`).toBe("MAIN");
    // The next Tab: the first control of the content, past the header (a screen may have none, as "Devices and sessions" with one).
    if ((await focusIsOnFirstControlOfMain(page)) === null) continue;
    await page.keyboard.press("Tab");
    expect(await focusIsOnFirstControlOfMain(page), `the Tab after the skip link on ${screen.name}`).toBe(true);
  }
  // Out of sight until it is focused.
  await page.goto("/");
  const unfocused = await page.getByRole("link", { name: "Skip to main content" }).boundingBox();
  expect(unfocused === null || unfocused.width <= 1 || unfocused.y + unfocused.height <= 0).toBe(true);
  expect(admin.pageErrors).toEqual([]);
  await admin.context.close();
  await bob.context.close();
}, 120_000);

/** Whether the focused element is the first control in <main>; null when <main> has none. */
function focusIsOnFirstControlOfMain(page: Page): Promise<boolean | null> {
  return page.evaluate(() => {
    const controls = document.querySelectorAll("main :is(a[href], button:enabled, input:enabled, textarea:enabled, select)");
    const first = [...controls].find((control) => control.getClientRects().length > 0);
    return first ? first === document.activeElement : null;
  });
}

function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => element === document.activeElement);
}

/** Opens the dialog from `opener` with the keyboard, closes it by `how`, and tells whether focus is back on the opener. */
async function focusAfterClosing(page: Page, opener: Locator, how: "Escape" | "Cancel"): Promise<boolean> {
  await opener.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("alertdialog");
  await dialog.waitFor();
  if (how === "Escape") await page.keyboard.press("Escape");
  else await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "detached" });
  return isFocused(opener);
}

test("closing any dialog, by Escape or by Cancel, gives focus back to the control that opened it", async () => {
  const { admin, bob, taskPath, secondFactor } = await signedInAdminWithTasks();
  const { page } = admin;
  const laptop = { ...(await newVisitor(browser, app, "Ada")), email: admin.email };
  await laptop.page.goto("/sign-in");
  await signInWithCode(laptop, secondFactor); // a second session, so that "Sign out everywhere else" is offered

  const results: Record<string, boolean> = {};
  const check = async (name: string, opener: () => Locator) => {
    for (const how of ["Escape", "Cancel"] as const) results[`${name} (${how})`] = await focusAfterClosing(page, opener(), how);
  };

  await page.goto("/");
  await check("Delete a task in the list", () => page.getByRole("button", { name: "Delete “Water the plants”" }));
  await page.goto(taskPath);
  await heading("Edit task")(page);
  await check("Delete on the edit screen", () => page.getByRole("button", { name: "Delete “Water the plants”" }));
  await page.goto("/sessions");
  await page.getByText("This device", { exact: true }).waitFor();
  await check("Sign out everywhere else", () => page.getByRole("button", { name: "Sign out everywhere else" }));
  await page.goto("/admin");
  const users = page.getByRole("list", { name: "Users" });
  await users.getByRole("listitem").nth(1).waitFor();
  await check("Ban", () => page.getByRole("button", { name: `Ban ${bob.email}` }));
  await check("End sessions", () => page.getByRole("button", { name: `End sessions of ${bob.email}` }));
  await page.getByRole("button", { name: `Ban ${bob.email}` }).click();
  await page.getByRole("alertdialog").getByLabel("Reason").fill("testing the unban dialog");
  await page.getByRole("alertdialog").getByRole("button", { name: "Ban", exact: true }).click();
  await page.getByText(`Banned ${bob.email}.`).waitFor();
  await check("Unban", () => page.getByRole("button", { name: `Unban ${bob.email}` }));
  // Unsaved text makes Sign out ask first.
  await page.goto("/");
  await page.getByLabel("Title", { exact: true }).fill("Not saved yet");
  await check("Sign out with unsaved text", () => page.getByRole("button", { name: "Sign out", exact: true }));

  expect(Object.entries(results).filter(([, returned]) => !returned)).toEqual([]);
  expect(Object.keys(results)).toHaveLength(14);
  expect(admin.pageErrors).toEqual([]);
  await admin.context.close();
  await laptop.context.close();
  await bob.context.close();
}, 120_000);

interface Ring {
  what: string;
  outline: string;
  width: number;
  offset: number;
  /** Contrast of the ring with the surface around the control (WCAG's 3:1 for non-text). */
  contrast: number;
  /** Whether the control has a fill of its own (a coloured button), which the ring must stand clear of. */
  filled: boolean;
}

/** Tabs through every control of the page, top to bottom, and reads the focus ring of each. */
async function focusRings(page: Page): Promise<Ring[]> {
  const rings: Ring[] = [];
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let stop = 0; stop < 60; stop += 1) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(() => document.activeElement === document.body || document.activeElement === null)) break; // past the last
    const ring = await page.evaluate(() => {
      const channels = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number);
      const luminance = (color: string) => {
        const [r, g, b] = channels(color).map((value) => {
          const c = value / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const opaque = (color: string) => channels(color)[3] !== 0 && color !== "transparent";
      const backgroundOf = (element: Element | null): string => {
        for (let at = element; at; at = at.parentElement) {
          const background = getComputedStyle(at).backgroundColor;
          if (opaque(background)) return background;
        }
        return "rgb(255, 255, 255)";
      };
      const focused = document.activeElement as HTMLElement;
      // A control drawn by something else (the segmented filter's hidden radio): its ring is on that.
      let owner: HTMLElement = focused;
      if (getComputedStyle(focused).opacity === "0") {
        for (let at = focused.parentElement; at && at !== document.body; at = at.parentElement) {
          if (getComputedStyle(at).outlineStyle !== "none") {
            owner = at;
            break;
          }
        }
      }
      const style = getComputedStyle(owner);
      const ownFill = style.backgroundColor;
      const surface = backgroundOf(owner.parentElement);
      const [lighter, darker] = [luminance(style.outlineColor), luminance(surface)].sort((a, b) => b - a);
      return {
        what: `${focused.tagName.toLowerCase()} “${(focused.textContent || focused.getAttribute("aria-label") || focused.id).trim().slice(0, 30)}”`,
        outline: style.outlineStyle,
        width: Number.parseFloat(style.outlineWidth),
        offset: Number.parseFloat(style.outlineOffset),
        contrast: Math.round(((lighter! + 0.05) / (darker! + 0.05)) * 10) / 10,
        filled: opaque(ownFill) && ownFill !== surface && ownFill !== "rgb(255, 255, 255)",
      };
    });
    rings.push(ring);
  }
  return rings;
}

test("every control shows a solid focus ring at least 2 px wide, 3:1 against its surface, clear of a coloured button's fill", async () => {
  const { admin, bob } = await signedInAdminWithTasks();
  const { page } = admin;
  await page.goto("/");
  await page.getByRole("list", { name: "Tasks" }).getByRole("listitem").first().waitFor();
  const rings = await focusRings(page);
  const visitor = await newVisitor(browser, app, "Cy");
  await visitor.page.goto("/sign-in");
  await heading("Sign in")(visitor.page);
  rings.push(...(await focusRings(visitor.page)));

  // After Tab presses the browser shows the ring on programmatic focus too: pictures of two of them.
  await page.getByRole("button", { name: "Add task" }).focus();
  await page.screenshot({ path: screenshotPath("screens/focus-ring-primary-button.png") });
  await page.getByRole("radio", { name: "Open" }).focus();
  await page.screenshot({ path: screenshotPath("screens/focus-ring-filter.png") });
  // The task list reaches the header's links and buttons, the form's fields, the filters and the first rows.
  expect(rings.map((ring) => ring.what).join(" | ")).toMatch(/button “Add task”[\s\S]*input[\s\S]*a “Edit/);
  const weak = rings.filter((ring) => ring.outline === "none" || ring.width < 2 || ring.contrast < 3 || (ring.filled && ring.offset < 2));
  expect(weak).toEqual([]);
  await admin.context.close();
  await bob.context.close();
  await visitor.context.close();
}, 120_000);
