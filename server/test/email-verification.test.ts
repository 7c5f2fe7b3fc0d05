// Accounts people can trust: a sign-up gets no session until the address is verified by the mailed link;
// the link verifies and signs in; a sign-in before that says so and the link can be sent again; a sign-up
// with a taken address answers byte for byte like a new one and mails the owner instead; the operator
// cannot make an unverified address admin. Mail is read from the catcher, over real SMTP.
import { createHash, randomUUID } from "node:crypto";
import { createEmailVerificationToken } from "better-auth/api";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { setRole } from "../src/auth/roles.ts";
import { readEnv } from "../src/env.ts";
import { cookiesAfter, PASSWORD, SPA_ORIGIN, sessionCookie, startTestSystem, type TestSystem } from "./support/test-system.ts";

/** A request id as the services make them (crypto.randomUUID): one per answer. */
const FRESH_REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

const freshEmail = () => `user-${randomUUID()}@example.com`;
const signUp = (email: string, password = PASSWORD, name = "Vera") =>
  system.authFetch("/api/auth/sign-up/email", {
    method: "POST",
    body: JSON.stringify({ email, password, name, callbackURL: `${SPA_ORIGIN}/` }),
  });
const signIn = (email: string, password = PASSWORD) =>
  system.authFetch("/api/auth/sign-in/email", { method: "POST", body: JSON.stringify({ email, password }) });

test("a sign-up gets no session; the mailed link, opened in the browser that signed up, verifies the address, signs in and lands on the SPA; the token works", async () => {
  const email = freshEmail();
  const answer = await signUp(email);
  expect(answer.status).toBe(200);
  // One cookie only: the binding of this browser to the address (signed, httpOnly, the link's lifetime). No session.
  const [binding, ...more] = answer.headers.getSetCookie();
  expect(more).toEqual([]);
  expect(binding).toMatch(/^better-auth\.sign_up_browser=[^;]+; Max-Age=86400; Path=\/; HttpOnly; SameSite=Lax$/);
  expect(binding).not.toContain(encodeURIComponent(email));
  const user = await system.db.user.findUniqueOrThrow({ where: { email } });
  expect(user.emailVerified).toBe(false);

  const mail = await system.mailbox.waitFor(email);
  expect(mail.subject).toBe("Verify your email for Tasks");
  const followed = await fetch(mail.links[0]!, { redirect: "manual", headers: { cookie: sessionCookie(answer) } });
  expect(followed.status).toBe(302);
  expect(followed.headers.get("location")).toBe(`${SPA_ORIGIN}/`);
  const cookie = cookiesAfter(sessionCookie(answer), followed);
  expect(cookie).toContain("session_token");
  expect(cookie).not.toContain("sign_up_browser"); // spent: the binding signs in once
  expect((await system.db.user.findUniqueOrThrow({ where: { email } })).emailVerified).toBe(true);

  const token = await system.tokenFor(cookie);
  const me = await system.graphql("{ me { email } }", { token });
  expect(me.body.data?.me).toEqual({ email });
  const kinds = (await system.db.auditEvent.findMany({ where: { subjectId: user.id }, orderBy: { at: "asc" } })).map((event) => event.kind);
  expect(kinds).toEqual(["SIGN_UP", "EMAIL_VERIFIED"]);
});

test("a sign-up without a callbackURL (curl) still gets a link that lands on the web app", async () => {
  const email = freshEmail();
  const answer = await system.authFetch("/api/auth/sign-up/email", {
    method: "POST",
    body: JSON.stringify({ email, password: PASSWORD, name: "Curl" }),
  });
  expect(answer.status).toBe(200);
  const followed = await fetch((await system.mailbox.waitFor(email)).links[0]!, {
    redirect: "manual",
    headers: { cookie: sessionCookie(answer) },
  });
  expect(followed.headers.get("location")).toBe(`${SPA_ORIGIN}/`);
});

test("a sign-in before verifying is refused with EMAIL_NOT_VERIFIED and no session; the link can be sent again, and works", async () => {
  const email = freshEmail();
  await signUp(email);
  const first = await system.mailbox.waitFor(email);
  const refused = await signIn(email);
  expect(refused.status).toBe(403);
  expect(((await refused.json()) as { code: string }).code).toBe("EMAIL_NOT_VERIFIED");
  expect(refused.headers.getSetCookie()).toEqual([]);

  const since = new Date();
  const resent = await system.authFetch("/api/auth/send-verification-email", {
    method: "POST",
    body: JSON.stringify({ email, callbackURL: `${SPA_ORIGIN}/` }),
  });
  expect(resent.status).toBe(200);
  const second = await system.mailbox.waitFor(email, { since });
  expect(second).not.toBe(first); // a mail of its own (its link may equal the first's within one second)
  expect(system.mailbox.list().filter((mail) => mail.to.includes(email))).toHaveLength(2);
  expect((await fetch(second.links[0]!, { redirect: "manual" })).status).toBe(302);
  expect((await signIn(email)).status).toBe(200);
});

test("a sign-up with a taken address answers exactly like a new one; the owner is mailed instead, and their account is untouched", async () => {
  const owner = await system.signUp("Owner");
  const since = new Date();
  // The binding cookie's value is made from the typed address and the time alone (sign-up-browser.ts), so it
  // differs between any two addresses, and every answer has a request id of its own (a fresh random UUID, which
  // says nothing of the address); everything else, their form included, is the same byte for byte.
  const visible = (response: Response) =>
    [...response.headers]
      .filter(([name]) => name !== "date")
      .map(([name, value]) => [
        name,
        value.replace(/sign_up_browser=[^;]+/, "sign_up_browser=…").replace(FRESH_REQUEST_ID, "<request id>"),
      ]);
  const bindingValue = (response: Response) =>
    decodeURIComponent(/sign_up_browser=([^;]+)/.exec(response.headers.get("set-cookie") ?? "")?.[1] ?? "");
  const taken = await signUp(owner.email, "an attacker's new password 9", "Mallory");
  const fresh = await signUp(freshEmail(), "an attacker's new password 9", "Mallory");
  expect(taken.status).toBe(fresh.status);
  expect(visible(taken)).toEqual(visible(fresh));
  for (const response of [taken, fresh]) expect(bindingValue(response)).toMatch(/^[\w-]{43}\.\d{10}\.[\w+/]{43}=$/); // hash.expiry.signature
  expect(await taken.text()).toBe(await fresh.text());

  const warning = await system.mailbox.waitFor(owner.email, { since });
  expect(warning.subject).toBe("Someone tried to create a Tasks account with your address");
  expect(await system.db.user.count({ where: { email: owner.email } })).toBe(1);
  expect((await system.db.user.findUniqueOrThrow({ where: { email: owner.email } })).name).toBe("Owner");
  expect((await signIn(owner.email)).status).toBe(200);
  expect((await signIn(owner.email, "an attacker's new password 9")).status).toBe(401);
});

describe("the time a sign-up takes", () => {
  // The auth service as deployed: with the default minimum answer time (test systems answer at once).
  let deployed: TestSystem;
  beforeAll(async () => {
    deployed = await startTestSystem({ auth: { signUpMinimumMs: readEnv({}).AUTH_SIGN_UP_MINIMUM_MS } });
  });
  afterAll(() => deployed.close());

  test("a sign-up with a taken address takes as long as one with a fresh address: the medians differ by no more than two runs of one kind do", async () => {
    const owner = await deployed.signUp("Timed");
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const timed = async (email: string) => {
      const started = performance.now();
      const answer = await deployed.authFetch("/api/auth/sign-up/email", {
        method: "POST",
        body: JSON.stringify({ email, password: PASSWORD, name: "Vera", callbackURL: `${SPA_ORIGIN}/` }),
      });
      expect(answer.status).toBe(200);
      return performance.now() - started;
    };
    // Interleaved, so a slower moment of the machine falls on both kinds alike.
    const taken: number[] = [];
    const fresh: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      taken.push(await timed(owner.email));
      fresh.push(await timed(freshEmail()));
    }
    const halves = (values: number[]) =>
      Math.abs(median(values.filter((_, i) => i % 2 === 0)) - median(values.filter((_, i) => i % 2 === 1)));
    // The noise between two runs of the same kind; never below what timers and the event loop add to one
    // answer on a busy 2-core machine (a few ms). Without the floor the difference was 8 to 20 ms.
    const noise = Math.max(halves(taken), halves(fresh), 5);
    const difference = Math.abs(median(taken) - median(fresh));
    console.log(
      `sign-up medians: taken address ${median(taken).toFixed(1)} ms, fresh address ${median(fresh).toFixed(1)} ms; ` +
        `difference ${difference.toFixed(1)} ms, noise between halves of one kind ${noise.toFixed(1)} ms`,
    );
    expect(difference).toBeLessThanOrEqual(noise);
  });
});

test("the operator cannot make an unverified address admin, and is told why", async () => {
  const email = freshEmail();
  await signUp(email);
  await expect(setRole(system.db, email, "admin")).resolves.toBe("unverified");
  expect((await system.db.user.findUniqueOrThrow({ where: { email } })).role).toBe("user");
  // Verified (and with a second factor, which admin also takes: step-up.test.ts), it can be.
  const verified = await system.turnOnSecondFactor(await system.signUp("Verified"));
  await expect(setRole(system.db, verified.email, "admin")).resolves.toBe("changed");
});

describe("login CSRF: a verification link opened in a browser that did not sign up for it signs nobody in", () => {
  const sessionCookies = (response: Response) => response.headers.getSetCookie().filter((cookie) => cookie.includes("session_token"));
  const isVerified = async (email: string) => (await system.db.user.findUniqueOrThrow({ where: { email } })).emailVerified;
  /** The attacker signs up in their own browser and keeps the fresh link from their own inbox. */
  const attackersFreshLink = async () => {
    const email = freshEmail();
    expect((await signUp(email, "the attacker's own password 7", "Mallory")).status).toBe(200);
    return { email, link: (await system.mailbox.waitFor(email)).links[0]! };
  };

  test("a signed-in person who opens someone else's fresh link stays signed in as themselves", async () => {
    const victim = await system.signUp("Victim");
    const attacker = await attackersFreshLink();
    const opened = await fetch(attacker.link, { redirect: "manual", headers: { cookie: victim.cookie } });
    expect(sessionCookies(opened)).toEqual([]);
    const token = await system.tokenFor(cookiesAfter(victim.cookie, opened));
    expect((await system.graphql("{ me { email } }", { token })).body.data?.me).toEqual({ email: victim.email });
    expect(await isVerified(attacker.email)).toBe(true);
  });

  test("a browser with no session is not signed in: the address is verified and the browser lands on sign-in, told so", async () => {
    const attacker = await attackersFreshLink();
    const opened = await fetch(attacker.link, { redirect: "manual" });
    expect(sessionCookies(opened)).toEqual([]);
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe(`${SPA_ORIGIN}/sign-in?verified=1`);
    expect(await isVerified(attacker.email)).toBe(true);
  });

  test("a binding the service did not sign, or one planted by a sign-up from another site, signs nobody in", async () => {
    const attacker = await attackersFreshLink();
    const hash = createHash("sha256").update(attacker.email).digest("base64url");
    const forged = `better-auth.sign_up_browser=${encodeURIComponent(`${hash}.${Math.floor(Date.now() / 1000) + 3600}.${"A".repeat(43)}=`)}`;
    expect(sessionCookies(await fetch(attacker.link, { redirect: "manual", headers: { cookie: forged } }))).toEqual([]);

    const fromElsewhere = await fetch(`${system.authUrl}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://attacker.example" },
      body: JSON.stringify({ email: freshEmail(), password: PASSWORD, name: "Planted" }),
    });
    expect(fromElsewhere.headers.getSetCookie().filter((cookie) => cookie.includes("sign_up_browser"))).toEqual([]);
  });

  test("a browser in the middle of its own sign-up is not signed in by another address's link", async () => {
    const ownEmail = freshEmail();
    const ownSignUp = await signUp(ownEmail);
    const attacker = await attackersFreshLink();
    const opened = await fetch(attacker.link, { redirect: "manual", headers: { cookie: sessionCookie(ownSignUp) } });
    expect(sessionCookies(opened)).toEqual([]);
    expect(await isVerified(attacker.email)).toBe(true);
  });
});

describe("where a link lands when it signs nobody in, so that the web app's sign-in page can say why", () => {
  /** The web app's own links head for its sign-in page, which sends a signed-in browser on to `next`. */
  const signUpHeadingTo = async (next: string) => {
    const email = freshEmail();
    const answer = await system.authFetch("/api/auth/sign-up/email", {
      method: "POST",
      body: JSON.stringify({
        email,
        password: PASSWORD,
        name: "Lina",
        callbackURL: `${SPA_ORIGIN}/sign-in?next=${encodeURIComponent(next)}`,
      }),
    });
    expect(answer.status).toBe(200);
    return { email, link: (await system.mailbox.waitFor(email)).links[0]! };
  };

  test("a link headed for the sign-in page keeps that page's next, not a sign-in page nested in another", async () => {
    const { link } = await signUpHeadingTo("/tasks/42?from=mail");
    const opened = await fetch(link, { redirect: "manual" });
    expect(opened.headers.get("location")).toBe(`${SPA_ORIGIN}/sign-in?verified=1&next=${encodeURIComponent("/tasks/42?from=mail")}`);
  });

  test("a link opened again after it verified the address lands on sign-in saying it was used before", async () => {
    const email = freshEmail();
    expect((await signUp(email)).status).toBe(200);
    const link = (await system.mailbox.waitFor(email)).links[0]!;
    expect((await fetch(link, { redirect: "manual" })).headers.get("location")).toBe(`${SPA_ORIGIN}/sign-in?verified=1`);
    const again = await fetch(link, { redirect: "manual" });
    expect(again.headers.get("location")).toBe(`${SPA_ORIGIN}/sign-in?verified=earlier`);
    expect(again.headers.getSetCookie().filter((cookie) => cookie.includes("session_token"))).toEqual([]);
  });

  test("an expired or broken link lands on its sign-in page with Better Auth's error code (TOKEN_EXPIRED, INVALID_TOKEN), which that page explains", async () => {
    const { email, link } = await signUpHeadingTo("/sessions");
    const url = new URL(link);
    // The same link as Better Auth mails it, signed a day and a minute ago: expired a minute ago.
    const { userId } = decodeJwt(url.searchParams.get("token")!) as { userId: string };
    url.searchParams.set("token", await createEmailVerificationToken(system.authConfig.secret, email, undefined, -60, { userId }));
    const expired = await fetch(url, { redirect: "manual" });
    expect(expired.headers.get("location")).toBe(`${SPA_ORIGIN}/sign-in?next=%2Fsessions&error=TOKEN_EXPIRED`);

    url.searchParams.set("token", new URL(link).searchParams.get("token")!.slice(0, -5)); // cut short when copied
    const broken = await fetch(url, { redirect: "manual" });
    expect(broken.headers.get("location")).toBe(`${SPA_ORIGIN}/sign-in?next=%2Fsessions&error=INVALID_TOKEN`);
    expect(await isVerifiedAddress(email)).toBe(false);
  });
});

const isVerifiedAddress = async (email: string) => (await system.db.user.findUniqueOrThrow({ where: { email } })).emailVerified;
