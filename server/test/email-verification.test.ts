// Accounts people can trust: a sign-up gets no session until the address is verified by the mailed link;
// the link verifies and signs in; a sign-in before that says so and the link can be sent again; a sign-up
// with a taken address answers byte for byte like a new one and mails the owner instead; the operator
// cannot make an unverified address admin. Mail is read from the catcher, over real SMTP.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { setRole } from "../src/auth/roles.ts";
import { PASSWORD, SPA_ORIGIN, sessionCookie, startTestSystem, type TestSystem } from "./support/test-system.ts";

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

test("a sign-up gets no session; the mailed link verifies the address, signs in and lands on the SPA; the token works", async () => {
  const email = freshEmail();
  const answer = await signUp(email);
  expect(answer.status).toBe(200);
  expect(answer.headers.getSetCookie()).toEqual([]);
  const user = await system.db.user.findUniqueOrThrow({ where: { email } });
  expect(user.emailVerified).toBe(false);

  const mail = await system.mailbox.waitFor(email);
  expect(mail.subject).toBe("Verify your email for Tasks");
  const followed = await fetch(mail.links[0]!, { redirect: "manual" });
  expect(followed.status).toBe(302);
  expect(followed.headers.get("location")).toBe(`${SPA_ORIGIN}/`);
  const cookie = sessionCookie(followed);
  expect(cookie).toContain("session_token");
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
  const followed = await fetch((await system.mailbox.waitFor(email)).links[0]!, { redirect: "manual" });
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
  const visible = (response: Response) => [...response.headers].filter(([name]) => name !== "date");
  const taken = await signUp(owner.email, "an attacker's new password 9", "Mallory");
  const fresh = await signUp(freshEmail(), "an attacker's new password 9", "Mallory");
  expect(taken.status).toBe(fresh.status);
  expect(visible(taken)).toEqual(visible(fresh));
  expect(await taken.text()).toBe(await fresh.text());

  const warning = await system.mailbox.waitFor(owner.email, { since });
  expect(warning.subject).toBe("Someone tried to create a Tasks account with your address");
  expect(await system.db.user.count({ where: { email: owner.email } })).toBe(1);
  expect((await system.db.user.findUniqueOrThrow({ where: { email: owner.email } })).name).toBe("Owner");
  expect((await signIn(owner.email)).status).toBe(200);
  expect((await signIn(owner.email, "an attacker's new password 9")).status).toBe(401);
});

test("a sign-up with a taken address takes as long as one with a fresh address: the medians differ by no more than two runs of one kind do", async () => {
  const owner = await system.signUp("Timed");
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const timed = async (email: string) => {
    const started = performance.now();
    expect((await signUp(email)).status).toBe(200);
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
  // The noise between two runs of the same kind; never below the timers' own granularity.
  const noise = Math.max(halves(taken), halves(fresh), 3);
  const difference = Math.abs(median(taken) - median(fresh));
  console.log(
    `sign-up medians: taken address ${median(taken).toFixed(1)} ms, fresh address ${median(fresh).toFixed(1)} ms; ` +
      `difference ${difference.toFixed(1)} ms, noise between halves of one kind ${noise.toFixed(1)} ms`,
  );
  expect(difference).toBeLessThanOrEqual(noise);
});

test("the operator cannot make an unverified address admin, and is told why", async () => {
  const email = freshEmail();
  await signUp(email);
  await expect(setRole(system.db, email, "admin")).resolves.toBe("unverified");
  expect((await system.db.user.findUniqueOrThrow({ where: { email } })).role).toBe("user");
  const verified = await system.signUp("Verified");
  await expect(setRole(system.db, verified.email, "admin")).resolves.toBe("changed");
});
