// Who gets an API token from the auth service: /api/auth/token decides from the database at the moment
// it signs, never from what a session remembers. A banned user's session that survived the ban (an
// operator's ban in SQL, or a sign-in that raced the ban and inserted its session after Better Auth
// deleted the others) must not mint tokens, and no other endpoint hands out tokens beside it.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ME, decodePayload } from "./support/token-forgery.ts";
import { startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function askForToken(cookie: string): Promise<{ status: number; body: any }> {
  const response = await system.authFetch("/api/auth/token", { headers: { cookie } });
  return { status: response.status, body: await response.json().catch(() => null) };
}

function expectBanned(answer: { status: number; body: any }): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(403);
  expect(answer.body).toMatchObject({ code: "BANNED_USER" });
  expect(JSON.stringify(answer.body)).not.toMatch(/"token"/);
}

/**
 * The session a sign-in racing the ban leaves behind: Better Auth's session hook checked `banned` before
 * the ban, and the row landed after the ban deleted the user's sessions. The cookie is what Better Auth
 * would have set for it (the session token, signed with BETTER_AUTH_SECRET).
 */
async function sessionInsertedAfterTheBan(user: TestUser): Promise<string> {
  const token = randomBytes(24).toString("base64url");
  await system.db.session.create({
    data: {
      id: randomUUID(),
      token,
      userId: user.id,
      expiresAt: new Date(Date.now() + 86_400_000),
      createdAt: new Date(),
      updatedAt: new Date(),
    },
  });
  const signature = createHmac("sha256", system.authConfig.secret).update(token).digest("base64");
  return `better-auth.session_token=${encodeURIComponent(`${token}.${signature}`)}`;
}

test("a banned user's session that survived the ban gets no token: 403 BANNED_USER from /token, and no token from get-session", async () => {
  const user = await system.signUp();
  expect((await askForToken(user.cookie)).status).toBe(200);
  await system.db.user.update({ where: { id: user.id }, data: { banned: true } }); // an operator's ban in SQL
  await sleep(1_100); // a token from now on is issued after the ban's revocation event
  expectBanned(await askForToken(user.cookie));
  const session = await system.authFetch("/api/auth/get-session", { headers: { cookie: user.cookie } });
  expect(session.headers.get("set-auth-jwt")).toBeNull();
});

test("a session created by a sign-in that raced the ban endpoint gets no token", async () => {
  const admin = await system.makeAdmin(await system.signUp());
  const user = await system.signUp();
  const banned = await system.authFetch("/api/auth/admin/ban-user", {
    method: "POST",
    headers: { cookie: admin.cookie },
    body: JSON.stringify({ userId: user.id, banReason: "test" }),
  });
  expect(banned.status).toBe(200);
  expect(await system.db.session.count({ where: { userId: user.id } })).toBe(0); // Better Auth ended them
  const raced = await sessionInsertedAfterTheBan(user);
  await sleep(1_100);
  expectBanned(await askForToken(raced));
});

test("the controls: the same kinds of session mint working tokens while the user is not banned, and after a lifted ban", async () => {
  const user = await system.signUp();
  const inserted = await sessionInsertedAfterTheBan(user); // proves the hand-made session is a real one
  for (const cookie of [user.cookie, inserted]) {
    const { status, body } = await askForToken(cookie);
    expect(status).toBe(200);
    expect((await system.graphql(ME, { token: body.token })).body).toEqual({ data: { me: { id: user.id } } });
  }
  // A ban that has expired is lifted, as Better Auth lifts it at the next sign-in.
  await system.db.user.update({ where: { id: user.id }, data: { banned: true, banExpires: new Date(Date.now() - 1_000) } });
  expect((await askForToken(user.cookie)).status).toBe(200);
});

test("a token asked for while a ban or a role change is being written waits for its commit, and sees it", async () => {
  const admin = await system.makeAdmin(await system.signUp());
  let settled = false;
  let answer: Promise<{ status: number; body: any }> | undefined;
  await system.db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: admin.id }, data: { role: "user" } });
    answer = askForToken(admin.cookie).finally(() => (settled = true));
    await sleep(500);
    expect(settled).toBe(false); // the token waits for the change rather than carry the role it is losing
  });
  const { status, body } = await answer!;
  expect(status).toBe(200);
  expect(decodePayload(body.token).role).toBe("user");

  await system.db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: admin.id }, data: { banned: true } });
    answer = askForToken(admin.cookie);
    await sleep(300);
  });
  expectBanned(await answer!);
});
