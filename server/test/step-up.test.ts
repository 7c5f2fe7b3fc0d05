// Step-up across the boundary (RFC 9470; shared/step-up.ts, auth/step-up.ts, the builder's secondFactor
// scope): admin powers ask for the admin role AND a second factor verified in this session within the max
// age, at the API (INSUFFICIENT_USER_AUTHENTICATION with acrValues and maxAge, no data) and at the auth
// service's admin endpoints (403, same code). A code entered while signed in renews the session's second
// factor, and the next token shows it. Attacked from each side: a password-only admin session, a second
// factor too old, forged claims signed with the real key, a non-admin with a fresh second factor, a wrong code.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { setRole } from "../src/auth/roles.ts";
import { decodePayload, goodClaims } from "./support/token-forgery.ts";
import { startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

const ADMIN_STATS = "{ adminStats { users tasks } }";
const MAX_AGE = 600;
const STEP_UP = { code: "INSUFFICIENT_USER_AUTHENTICATION", acrValues: "mfa", maxAge: MAX_AGE };

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

/** The session's second factor as if verified `seconds` ago (the clock moves on; nothing else changes). */
async function ageSecondFactor(user: TestUser, seconds: number): Promise<void> {
  await system.db.$executeRaw`
    UPDATE "session" SET "secondFactorAt" = now() - ${seconds} * interval '1 second' WHERE "id" = ${user.sessionId}`;
}

async function adminStatsAnswer(token: string) {
  const response = await system.graphql(ADMIN_STATS, { token });
  return { extensions: response.body.errors?.map((error) => error.extensions), data: response.body.data, status: response.status };
}

function post(path: string, cookie: string, body: unknown): Promise<Response> {
  return system.authFetch(`/api/auth${path}`, { method: "POST", headers: { cookie }, body: JSON.stringify(body) });
}

describe("at the API", () => {
  test("a second factor older than the max age is asked for again; a code entered while signed in renews it", async () => {
    const admin = await system.makeAdmin(await system.signUp("Stepping admin"));
    expect(await adminStatsAnswer(admin.token)).toMatchObject({
      extensions: undefined,
      data: { adminStats: { users: expect.any(Number) } },
    });

    await ageSecondFactor(admin, MAX_AGE + 5);
    const stale = await system.tokenFor(admin.cookie);
    expect(decodePayload(stale).amr).toEqual(["pwd", "otp", "mfa"]);
    expect(Date.now() / 1000 - Number(decodePayload(stale).auth_time)).toBeGreaterThan(MAX_AGE);
    expect(await adminStatsAnswer(stale)).toEqual({ status: 200, extensions: [STEP_UP], data: { adminStats: null } });

    const renewed = await system.stepUp(admin);
    expect(Math.abs(Date.now() / 1000 - Number(decodePayload(renewed.token).auth_time))).toBeLessThan(5);
    expect((await adminStatsAnswer(renewed.token)).data).toEqual({ adminStats: { users: expect.any(Number), tasks: expect.any(Number) } });
    // Stepping up renews the session, not tokens signed before it: the stale one still says when it was.
    expect((await adminStatsAnswer(stale)).extensions).toEqual([STEP_UP]);
  });

  test("API_STEP_UP_MAX_AGE_S decides how recent: the same token answers at 600 s and is asked again at 5 s", async () => {
    const admin = await system.makeAdmin(await system.signUp("Timed admin"));
    await ageSecondFactor(admin, 10);
    const token = await system.tokenFor(admin.cookie);
    expect((await adminStatsAnswer(token)).extensions).toBeUndefined();
    const strict = system.apiWith({ stepUpMaxAgeSeconds: 5 });
    const response = await system.graphql(ADMIN_STATS, { token, api: strict });
    expect(response.body.errors?.map((error) => error.extensions)).toEqual([{ ...STEP_UP, maxAge: 5 }]);
    expect(response.body.data).toEqual({ adminStats: null });
  });

  test("a wrong code entered while signed in renews nothing", async () => {
    const admin = await system.makeAdmin(await system.signUp("Guessing admin"));
    await ageSecondFactor(admin, MAX_AGE + 5);
    expect((await post("/two-factor/verify-totp", admin.cookie, { code: "000000" })).status).toBe(401);
    expect((await adminStatsAnswer(await system.tokenFor(admin.cookie))).extensions).toEqual([STEP_UP]);
  });

  test("guessing codes at step-up with a stolen admin session locks the account's second step, as at sign-in", async () => {
    const admin = await system.makeAdmin(await system.signUp("Guessed admin"));
    await ageSecondFactor(admin, MAX_AGE + 5);
    // The test system's budget: AUTH_SIGN_IN_FAILURES_PER_ACCOUNT's default, 10 wrong codes in a row.
    for (let guess = 0; guess < 10; guess++)
      expect((await post("/two-factor/verify-totp", admin.cookie, { code: String(100000 + guess) })).status).toBe(401);
    const right = await post("/two-factor/verify-totp", admin.cookie, { code: await admin.authenticator!() });
    expect(right.status).toBe(429);
    expect((await right.json()).code).toBe("ACCOUNT_TEMPORARILY_LOCKED");
    expect((await adminStatsAnswer(await system.tokenFor(admin.cookie))).extensions).toEqual([STEP_UP]);
  });

  test("forged claims signed with the real key: only the admin role with mfa and a recent auth_time opens admin fields", async () => {
    const admin = await system.makeAdmin(await system.signUp("Claims admin"));
    const user = await system.turnOnSecondFactor(await system.signUp("Claims user"));
    const now = Math.floor(Date.now() / 1000);
    const sign = (who: TestUser, claims: Record<string, unknown>) => system.signWithAuthKeys(goodClaims(who, claims));
    const admin2fa = { role: "admin", amr: ["pwd", "otp", "mfa"], auth_time: now };
    // Control: what the auth service signs for this admin now is accepted.
    expect((await adminStatsAnswer(await sign(admin, admin2fa))).extensions).toBeUndefined();
    for (const claims of [
      { ...admin2fa, amr: ["pwd"] }, // the password alone
      { ...admin2fa, amr: ["pwd", "otp"] }, // a method, but not two factors
      { ...admin2fa, auth_time: undefined }, // two factors, but not when
      { ...admin2fa, auth_time: now - MAX_AGE - 60 }, // too long ago
      { role: "admin" }, // a token that says nothing of how
    ])
      expect(await adminStatsAnswer(await sign(admin, claims))).toEqual({ status: 200, extensions: [STEP_UP], data: { adminStats: null } });
    // A non-admin with a fresh second factor is refused for the role, and never told that a code would help.
    expect((await adminStatsAnswer(await sign(user, { ...admin2fa, role: "user" }))).extensions).toEqual([{ code: "FORBIDDEN" }]);
    // amr and auth_time of the wrong shape make the token unacceptable, as any malformed claim does.
    for (const claims of [
      { ...admin2fa, amr: "mfa" },
      { ...admin2fa, amr: [1] },
      { ...admin2fa, auth_time: "now" },
    ])
      expect((await adminStatsAnswer(await sign(admin, claims))).status).toBe(401);
  });
});

describe("at the auth service's admin endpoints", () => {
  test("ban, unban and ending sessions ask an admin without a recent second factor to step up; after a code they work", async () => {
    const signedUp = await system.signUp("Banning admin");
    const passwordOnly = await system.signIn(signedUp.email); // a session the password alone started
    const admin = await system.makeAdmin(signedUp);
    const target = await system.signUp("Ban target");

    for (const [path, body] of [
      ["/admin/ban-user", { userId: target.id, banReason: "spam" }],
      ["/admin/unban-user", { userId: target.id }],
      ["/admin/revoke-user-sessions", { userId: target.id }],
      ["/admin/list-users", undefined],
    ] as const) {
      const refused =
        path === "/admin/list-users"
          ? await system.authFetch(`/api/auth${path}`, { headers: { cookie: passwordOnly.cookie } })
          : await post(path, passwordOnly.cookie, body);
      expect(refused.status, path).toBe(403);
      expect(await refused.json(), path).toMatchObject({ code: "INSUFFICIENT_USER_AUTHENTICATION", maxAge: MAX_AGE });
    }
    expect(await system.db.user.findUniqueOrThrow({ where: { id: target.id }, select: { banned: true } })).toEqual({ banned: false });
    expect(await system.db.session.count({ where: { userId: target.id } })).toBe(1);

    await ageSecondFactor(admin, MAX_AGE + 5);
    const stale = await post("/admin/ban-user", admin.cookie, { userId: target.id, banReason: "spam" });
    expect(stale.status).toBe(403);
    expect(await stale.json()).toMatchObject({ code: "INSUFFICIENT_USER_AUTHENTICATION" });

    await system.stepUp(admin);
    expect((await post("/admin/ban-user", admin.cookie, { userId: target.id, banReason: "spam" })).status).toBe(200);
    expect(await system.db.user.findUniqueOrThrow({ where: { id: target.id }, select: { banned: true, banReason: true } })).toEqual({
      banned: true,
      banReason: "spam",
    });
  });

  test("a non-admin with a fresh second factor is refused as before, never asked to step up", async () => {
    const user = await system.turnOnSecondFactor(await system.signUp("Plain stepper"));
    const target = await system.signUp("Other target");
    const refused = await post("/admin/ban-user", user.cookie, { userId: target.id });
    expect(refused.status).toBe(403);
    expect((await refused.json()).code).not.toBe("INSUFFICIENT_USER_AUTHENTICATION");
  });
});

test("the operator cannot make an account without a second factor admin (pnpm admin:grant), and can once it has one", async () => {
  const user = await system.signUp("Would-be admin");
  expect(await setRole(system.db, user.email, "admin")).toBe("no-second-factor");
  expect((await system.db.user.findUniqueOrThrow({ where: { id: user.id }, select: { role: true } })).role).not.toBe("admin");
  await system.turnOnSecondFactor(user);
  expect(await setRole(system.db, user.email, "admin")).toBe("changed");
  // Taking the role away asks for nothing.
  expect(await setRole(system.db, user.email, "user")).toBe("changed");
});
