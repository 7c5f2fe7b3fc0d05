// A session token is the session's credential (the cookie is it, signed): the browser holds it only as an
// httpOnly cookie, which no script can read. No auth answer a script can read carries one: not the list of
// the user's sessions, not the current session, not sign-in or a password change. "Devices and sessions"
// ends another session by its id, which the auth service maps back to the token after checking that the
// session is the signed-in user's own.
import { afterAll, beforeAll, expect, test } from "vitest";
import { ME } from "./support/token-forgery.ts";
import { PASSWORD, sessionCookie, startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

async function tokensOf(user: { id: string }): Promise<string[]> {
  return (await system.db.session.findMany({ where: { userId: user.id }, select: { token: true } })).map((session) => session.token);
}

async function answerText(path: string, cookie: string, body?: unknown): Promise<{ status: number; text: string }> {
  const response = await system.authFetch(
    path,
    body === undefined ? { headers: { cookie } } : { method: "POST", headers: { cookie }, body: JSON.stringify(body) },
  );
  return { status: response.status, text: await response.text() };
}

function expectNoSessionToken(answer: { status: number; text: string }, tokens: string[]): void {
  expect(answer.status, answer.text).toBe(200);
  for (const token of tokens) expect(answer.text).not.toContain(token);
  expect(answer.text).not.toMatch(/"token":"/);
}

async function revoke(user: TestUser, handle: string): Promise<number> {
  const response = await system.authFetch("/api/auth/revoke-session", {
    method: "POST",
    headers: { cookie: user.cookie },
    body: JSON.stringify({ token: handle }),
  });
  return response.status;
}

test("list-sessions and get-session carry no session token, the caller's own or another device's", async () => {
  const laptop = await system.signUp();
  const phone = await system.signIn(laptop.email);
  const tokens = await tokensOf(laptop);
  expect(tokens).toHaveLength(2);

  const listed = await answerText("/api/auth/list-sessions", laptop.cookie);
  expectNoSessionToken(listed, tokens);
  // Still every session, by id, with what the page shows.
  const sessions = JSON.parse(listed.text) as { id: string; userAgent: unknown; ipAddress: unknown; createdAt: string }[];
  expect(sessions.map((session) => session.id).sort()).toEqual([laptop.sessionId, phone.sessionId].sort());

  const current = await answerText("/api/auth/get-session", laptop.cookie);
  expectNoSessionToken(current, tokens);
  expect(JSON.parse(current.text)).toMatchObject({ session: { id: laptop.sessionId }, user: { id: laptop.id } });
});

test("sign-in and a password change answer without the new session's token", async () => {
  const user = await system.signUp();
  const signedIn = await system.authFetch("/api/auth/sign-in/email", {
    method: "POST",
    body: JSON.stringify({ email: user.email, password: PASSWORD }),
  });
  const cookie = sessionCookie(signedIn);
  expectNoSessionToken({ status: signedIn.status, text: await signedIn.text() }, await tokensOf(user));
  const changed = await answerText("/api/auth/change-password", cookie, {
    currentPassword: PASSWORD,
    newPassword: "another long passphrase here",
    revokeOtherSessions: true,
  });
  expectNoSessionToken(changed, await tokensOf(user));
});

test("ending another of your sessions by its id works, and its tokens are refused; the session you are in stays", async () => {
  const laptop = await system.signUp();
  const phone = await system.signIn(laptop.email);
  expect(await revoke(laptop, phone.sessionId)).toBe(200);
  expect(await system.db.session.count({ where: { id: phone.sessionId } })).toBe(0);
  await expect.poll(async () => (await system.graphql(ME, { token: phone.token })).status).toBe(401);
  expect((await system.graphql(ME, { token: laptop.token })).status).toBe(200);
});

test("another user's session id ends nothing, and neither does a made-up one", async () => {
  const attacker = await system.signUp();
  const victim = await system.signUp();
  for (const handle of [victim.sessionId, "no-such-session"]) await revoke(attacker, handle);
  expect(await system.db.session.count({ where: { id: victim.sessionId } })).toBe(1);
  expect((await system.graphql(ME, { token: victim.token })).status).toBe(200);
});
