// The endpoints where a signed-in person re-enters their password, attacked with a stolen session cookie:
// deleting the account takes the password (a cookie alone, or a deletion token, is refused), a session is
// no password oracle (/verify-password is gone; wrong passwords at change-password and delete-user spend
// the account's budget and are audited), and the account's sign-in is not locked by any of it.
import { afterAll, beforeAll, expect, test } from "vitest";
import { requestFrom } from "./support/request-from.ts";
import { PASSWORD, SPA_ORIGIN, startTestSystem, type TestSystem } from "./support/test-system.ts";

const BUDGET = 10;
let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem({
    auth: { rateLimit: { signInPerMinute: 0, signUpPerMinute: 0, accountFailures: { max: BUDGET, windowSeconds: 900 } } },
  });
});
afterAll(() => system.close());

let nextAddress = 10;
/**
 * A POST with the session cookie from a loopback address of its own each time: the thief uses many
 * addresses, so Better Auth's per-IP limits on these paths (3 per 10 s) never decide, only the account's.
 */
const post = async (path: string, body: unknown, cookie: string) => {
  const address = `127.1.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 2}`;
  const answer = await requestFrom(`${system.authUrl}/api/auth${path}`, address, {
    method: "POST",
    headers: { "content-type": "application/json", origin: SPA_ORIGIN, cookie },
    body: JSON.stringify(body),
  });
  return { status: answer.status, code: (answer.body ? (JSON.parse(answer.body) as { code?: string }) : {}).code };
};

test("deleting the account with only the session cookie (an empty body) is refused, and the account stays", async () => {
  const victim = await system.signUp("Victim");
  const answer = await post("/delete-user", {}, victim.cookie);
  expect(answer).toEqual({ status: 400, code: "PASSWORD_REQUIRED" });
  expect(await system.db.user.count({ where: { id: victim.id } })).toBe(1);
  expect((await system.graphql("{ me { id } }", { token: victim.token })).body.data?.me).toEqual({ id: victim.id });
});

test("deleting the account with a deletion token instead of the password is refused, even beside the right password", async () => {
  const victim = await system.signUp("Victim");
  expect(await post("/delete-user", { token: "made-up-deletion-token" }, victim.cookie)).toEqual({
    status: 400,
    code: "PASSWORD_REQUIRED",
  });
  expect(await post("/delete-user", { token: "made-up", password: PASSWORD }, victim.cookie)).toEqual({
    status: 400,
    code: "PASSWORD_REQUIRED",
  });
  expect(await system.db.user.count({ where: { id: victim.id } })).toBe(1);
});

test("/verify-password is no oracle: 404 with a session, and no password is checked", async () => {
  const victim = await system.signUp("Victim");
  const checks = system.passwordChecks;
  for (const password of ["guess one", PASSWORD]) expect((await post("/verify-password", { password }, victim.cookie)).status).toBe(404);
  expect(system.passwordChecks).toBe(checks);
});

test("wrong passwords re-entered with a stolen cookie spend the account's budget across endpoints, are audited, then refused unchecked; sign-in is unaffected", async () => {
  const victim = await system.signUp("Victim");
  const guesses = Array.from({ length: BUDGET + 2 }, (_, i) => `stolen-cookie guess ${i}`);
  const answers = [];
  for (const [i, guess] of guesses.entries()) {
    const checks = system.passwordChecks;
    const answer =
      i % 2 === 0
        ? await post("/change-password", { currentPassword: guess, newPassword: "an attacker's new passphrase" }, victim.cookie)
        : await post("/delete-user", { password: guess }, victim.cookie);
    answers.push({ ...answer, checked: system.passwordChecks - checks });
  }
  expect(answers.slice(0, BUDGET)).toEqual(Array(BUDGET).fill({ status: 400, code: "INVALID_PASSWORD", checked: 1 }));
  expect(answers.slice(BUDGET)).toEqual(Array(2).fill({ status: 429, code: "TOO_MANY_WRONG_PASSWORDS", checked: 0 }));
  // Even the right password is not checked now: the budget decides before any check.
  expect(await post("/delete-user", { password: PASSWORD }, victim.cookie)).toEqual({ status: 429, code: "TOO_MANY_WRONG_PASSWORDS" });
  expect(await system.db.user.count({ where: { id: victim.id } })).toBe(1);

  const events = await system.db.auditEvent.findMany({
    where: { subjectId: victim.id, kind: "PASSWORD_CONFIRMATION_FAILED" },
    orderBy: { at: "asc" },
    select: { detail: true },
  });
  expect(events.map(({ detail }) => detail)).toEqual([
    ...guesses.slice(0, BUDGET).map((_, i) => ({ reason: "wrong_password", endpoint: i % 2 === 0 ? "/change-password" : "/delete-user" })),
    { reason: "locked", endpoint: "/change-password" },
    { reason: "locked", endpoint: "/delete-user" },
    { reason: "locked", endpoint: "/delete-user" },
  ]);
  // The owner's sign-in has a budget of its own.
  const signIn = await system.authFetch("/api/auth/sign-in/email", {
    method: "POST",
    body: JSON.stringify({ email: victim.email, password: PASSWORD }),
  });
  expect(signIn.status).toBe(200);
});

test("a right password re-entered gives its unit back: it never counts toward the budget", async () => {
  const user = await system.signUp("Careful");
  for (let i = 0; i < BUDGET - 1; i += 1) expect((await post("/delete-user", { password: `typo ${i}` }, user.cookie)).status).toBe(400);
  let password = PASSWORD;
  for (let i = 0; i < 3; i += 1) {
    const next = `a fresh passphrase number ${i}`;
    expect(await post("/change-password", { currentPassword: password, newPassword: next }, user.cookie)).toEqual({
      status: 200,
      code: undefined,
    });
    password = next;
  }
  expect((await post("/delete-user", { password: "one more typo" }, user.cookie)).code).toBe("INVALID_PASSWORD");
  expect((await post("/delete-user", { password: "and another" }, user.cookie)).code).toBe("TOO_MANY_WRONG_PASSWORDS");
});
