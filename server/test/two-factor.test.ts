// Two-step verification over HTTP, as a person and as an attacker meet it (auth/second-factor.ts): turning it
// on takes the password and a first correct code; then the password alone makes no session and no token;
// the code (or a backup code) does, and the token says so (amr, auth_time); a code works once, also two
// requests at the same moment; wrong codes lock the account's second step; turning it off takes the password.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { requestFrom } from "./support/request-from.ts";
import { cookiesAfter, PASSWORD, SPA_ORIGIN, startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";
import { authenticatorApp, totp } from "./support/totp.ts";

const FAILURES = 4;
let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem({
    auth: { rateLimit: { signInPerMinute: 0, signUpPerMinute: 0, accountFailures: { max: FAILURES, windowSeconds: 900 } } },
  });
});
afterAll(() => system.close());

interface Answer {
  status: number;
  body: Record<string, any>;
  /** The browser's cookies after the answer. */
  cookie: string;
}

let nextAddress = 10;
/** A POST from a loopback address of its own each time, so Better Auth's per-IP limits never decide. */
async function post(path: string, body: unknown, cookie = ""): Promise<Answer> {
  const address = `127.3.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 2}`;
  const answer = await requestFrom(`${system.authUrl}/api/auth${path}`, address, {
    method: "POST",
    headers: { "content-type": "application/json", origin: SPA_ORIGIN, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  const setCookies = new Headers((answer.headers["set-cookie"] ?? []).map((value): [string, string] => ["set-cookie", value]));
  const after = cookiesAfter(cookie, { headers: setCookies });
  return { status: answer.status, body: answer.body ? JSON.parse(answer.body) : {}, cookie: after };
}

function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
}

/** An authenticator app for the secret in `uri`: its codes, each once. */
function authenticator(uri: string) {
  return { code: authenticatorApp(uri) };
}

/** Turns two-step verification on for `user`: the password, then the first code. */
async function turnOn(user: TestUser) {
  const enabled = await post("/two-factor/enable", { password: PASSWORD }, user.cookie);
  expect(enabled.status).toBe(200);
  const app = authenticator(enabled.body.totpURI);
  const verified = await post("/two-factor/verify-totp", { code: await app.code() }, user.cookie);
  expect(verified.status).toBe(200);
  return { app, backupCodes: enabled.body.backupCodes as string[], cookie: verified.cookie };
}

async function tokenStatus(cookie: string): Promise<{ status: number; token?: string }> {
  const response = await system.authFetch("/api/auth/token", { headers: { cookie } });
  return { status: response.status, token: response.status === 200 ? ((await response.json()) as { token: string }).token : undefined };
}

test("the test's authenticator app is RFC 6238's (its SHA-1 test vector)", () => {
  expect(totp(Buffer.from("12345678901234567890"), 59_000, 30, 8)).toBe("94287082");
  expect(totp(Buffer.from("12345678901234567890"), 1_111_111_109_000, 30, 8)).toBe("07081804");
});

test("a password-only session's token says amr pwd, and auth_time is when the session began", async () => {
  const user = await system.signUp("Password only");
  const started = await system.db.session.findUniqueOrThrow({ where: { id: user.sessionId } });
  const claims = claimsOf(user.token);
  expect(claims.amr).toEqual(["pwd"]);
  expect(claims.auth_time).toBe(Math.floor(started.createdAt.getTime() / 1000));
  const signedIn = await system.signIn(user.email);
  expect(claimsOf(signedIn.token).amr).toEqual(["pwd"]);
  // A password change that signs the other devices out makes a new session: the password was just entered.
  const changed = await post(
    "/change-password",
    { currentPassword: PASSWORD, newPassword: `${PASSWORD} again`, revokeOtherSessions: true },
    signedIn.cookie,
  );
  expect(changed.status).toBe(200);
  expect(claimsOf((await tokenStatus(changed.cookie)).token ?? "").amr).toEqual(["pwd"]);
});

describe("turning it on", () => {
  test("takes the password: a stolen session cookie alone, or with a wrong password, cannot", async () => {
    const user = await system.signUp("Victim");
    expect((await post("/two-factor/enable", {}, user.cookie)).status).toBe(400);
    const wrong = await post("/two-factor/enable", { password: "a wrong guess" }, user.cookie);
    expect({ status: wrong.status, code: wrong.body.code }).toEqual({ status: 400, code: "INVALID_PASSWORD" });
    expect(await system.db.twoFactor.count({ where: { userId: user.id } })).toBe(0);
  });

  test("is not on until a first correct code: until then sign-in asks for nothing more", async () => {
    const user = await system.signUp("Enroller");
    const enabled = await post("/two-factor/enable", { password: PASSWORD }, user.cookie);
    expect(enabled.status).toBe(200);
    expect(enabled.body.totpURI).toMatch(/^otpauth:\/\/totp\/Tasks:/);
    expect(enabled.body.backupCodes).toHaveLength(10);
    // The secret and the backup codes are stored encrypted, never as given.
    const stored = await system.db.twoFactor.findFirstOrThrow({ where: { userId: user.id } });
    expect(stored.secret).not.toContain(new URL(enabled.body.totpURI).searchParams.get("secret"));
    for (const code of enabled.body.backupCodes) expect(stored.backupCodes).not.toContain(code);

    expect((await system.signIn(user.email)).token).toBeTruthy();
    const wrong = await post("/two-factor/verify-totp", { code: "000000" }, user.cookie);
    expect(wrong.status).toBe(401);
    expect((await system.db.user.findUniqueOrThrow({ where: { id: user.id } })).twoFactorEnabled).toBe(false);

    const app = authenticator(enabled.body.totpURI);
    const verified = await post("/two-factor/verify-totp", { code: await app.code() }, user.cookie);
    expect(verified.status).toBe(200);
    expect((await system.db.user.findUniqueOrThrow({ where: { id: user.id } })).twoFactorEnabled).toBe(true);
    // The session that proved the code says so in its next token.
    const { token } = await tokenStatus(verified.cookie);
    expect(claimsOf(token ?? "").amr).toEqual(["pwd", "otp", "mfa"]);
  });
});

describe("signing in with it on", () => {
  test("the password alone makes no session and no token; the code makes one, and its token says pwd otp mfa", async () => {
    const user = await system.signUp("Two steps");
    const { app } = await turnOn(user);
    const before = await system.db.session.count({ where: { userId: user.id } });

    const password = await post("/sign-in/email", { email: user.email, password: PASSWORD });
    expect(password.status).toBe(200);
    expect(password.body).toMatchObject({ twoFactorRedirect: true, twoFactorMethods: ["totp"] });
    expect(password.cookie).not.toContain("session_token=");
    expect((await tokenStatus(password.cookie)).status).toBe(401);
    expect(await system.db.session.count({ where: { userId: user.id } })).toBe(before);

    const secondStep = await post("/two-factor/verify-totp", { code: await app.code() }, password.cookie);
    expect(secondStep.status).toBe(200);
    // No session token in the answer a script could read (session-token-privacy.ts): the cookie carries it.
    expect(secondStep.body.token).toBeNull();
    const { status, token } = await tokenStatus(secondStep.cookie);
    expect(status).toBe(200);
    const claims = claimsOf(token ?? "");
    expect(claims.amr).toEqual(["pwd", "otp", "mfa"]);
    expect(Math.abs(claims.auth_time - Date.now() / 1000)).toBeLessThan(10);
    // The API takes the token as any other.
    expect((await system.graphql("{ me { id } }", { token })).body.data?.me).toEqual({ id: user.id });
  });

  test("the audit trail has one sign-in, when the code made the session, with the factor; nothing for the password step", async () => {
    const user = await system.signUp("Audited");
    const { app, backupCodes } = await turnOn(user);
    const since = new Date();
    const password = await post("/sign-in/email", { email: user.email, password: PASSWORD });
    const events = () =>
      system.db.auditEvent.findMany({
        where: { subjectId: user.id, at: { gte: since } },
        orderBy: { at: "asc" },
        select: { kind: true, detail: true },
      });
    expect(await events()).toEqual([]);
    await post("/two-factor/verify-totp", { code: await app.code() }, password.cookie);
    await post(
      "/two-factor/verify-backup-code",
      { code: backupCodes[1] },
      (await post("/sign-in/email", { email: user.email, password: PASSWORD })).cookie,
    );
    expect((await events()).filter((event) => event.kind === "SIGN_IN")).toEqual([
      { kind: "SIGN_IN", detail: { method: "password+totp" } },
      { kind: "SIGN_IN", detail: { method: "password+backup_code" } },
    ]);
  });

  test("no device is trusted to skip the code next time", async () => {
    const user = await system.signUp("Trusting");
    const { app } = await turnOn(user);
    const step = await post("/sign-in/email", { email: user.email, password: PASSWORD });
    const trusted = await post("/two-factor/verify-totp", { code: await app.code(), trustDevice: true }, step.cookie);
    expect({ status: trusted.status, code: trusted.body.code }).toEqual({ status: 400, code: "TRUST_DEVICE_NOT_OFFERED" });
    expect(trusted.cookie).not.toMatch(/trust_device=|session_token=/);
  });

  test("a code is accepted once: the same code again, for another sign-in, is refused", async () => {
    const user = await system.signUp("Replay");
    const { app } = await turnOn(user);
    const code = await app.code();
    const first = await post(
      "/two-factor/verify-totp",
      { code },
      (await post("/sign-in/email", { email: user.email, password: PASSWORD })).cookie,
    );
    expect(first.status).toBe(200);
    const replayed = await post(
      "/two-factor/verify-totp",
      { code },
      (await post("/sign-in/email", { email: user.email, password: PASSWORD })).cookie,
    );
    expect({ status: replayed.status, code: replayed.body.code }).toEqual({ status: 400, code: "CODE_ALREADY_USED" });
    expect(replayed.cookie).not.toContain("session_token=");
  });

  test("one code sent by two sign-ins at the same moment makes one session, not two", async () => {
    const user = await system.signUp("Race");
    const { app } = await turnOn(user);
    const pending = await Promise.all([1, 2, 3].map(() => post("/sign-in/email", { email: user.email, password: PASSWORD })));
    const code = await app.code();
    const answers = await Promise.all(pending.map((step) => post("/two-factor/verify-totp", { code }, step.cookie)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400, 400]);
  });

  test("a backup code signs in once, counts as a second factor, and is refused the second time", async () => {
    const user = await system.signUp("Backup");
    const { backupCodes } = await turnOn(user);
    const code = backupCodes[3] ?? "";
    const first = await post(
      "/two-factor/verify-backup-code",
      { code },
      (await post("/sign-in/email", { email: user.email, password: PASSWORD })).cookie,
    );
    expect(first.status).toBe(200);
    expect(claimsOf((await tokenStatus(first.cookie)).token ?? "").amr).toEqual(["pwd", "otp", "mfa"]);
    const again = await post(
      "/two-factor/verify-backup-code",
      { code },
      (await post("/sign-in/email", { email: user.email, password: PASSWORD })).cookie,
    );
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(again.cookie).not.toContain("session_token=");
    // Another backup code still works.
    const other = await post(
      "/two-factor/verify-backup-code",
      { code: backupCodes[4] },
      (await post("/sign-in/email", { email: user.email, password: PASSWORD })).cookie,
    );
    expect(other.status).toBe(200);
  });

  test("one backup code sent by two sign-ins at the same moment makes one session, not two", async () => {
    const user = await system.signUp("Backup race");
    const { backupCodes } = await turnOn(user);
    const pending = await Promise.all([1, 2].map(() => post("/sign-in/email", { email: user.email, password: PASSWORD })));
    const answers = await Promise.all(pending.map((step) => post("/two-factor/verify-backup-code", { code: backupCodes[0] }, step.cookie)));
    // The claim refuses the second (400 CODE_ALREADY_USED); without it Better Auth's own compare-and-set on
    // the list still answers 409, so here the claim only makes the answer the same as a replayed TOTP code's.
    expect(answers.map((answer) => [answer.status, answer.body.code]).sort()).toEqual([
      [200, undefined],
      [400, "CODE_ALREADY_USED"],
    ]);
  });

  test(`wrong codes lock the account's second step after ${FAILURES}, even against the right code, across sign-ins`, async () => {
    const user = await system.signUp("Guessed");
    const { app } = await turnOn(user);
    const statuses: number[] = [];
    for (let guess = 0; guess < FAILURES; guess += 1) {
      // A fresh password step each time: the lock is the account's, not the attempt's.
      const step = await post("/sign-in/email", { email: user.email, password: PASSWORD });
      statuses.push((await post("/two-factor/verify-totp", { code: String(100000 + guess) }, step.cookie)).status);
    }
    expect(statuses).toEqual(Array(FAILURES).fill(401));
    const step = await post("/sign-in/email", { email: user.email, password: PASSWORD });
    const right = await post("/two-factor/verify-totp", { code: await app.code() }, step.cookie);
    expect({ status: right.status, code: right.body.code }).toEqual({ status: 429, code: "ACCOUNT_TEMPORARILY_LOCKED" });
    expect(right.cookie).not.toContain("session_token=");
  });
});

describe("turning it off", () => {
  test("takes the password and a current code: the cookie and the password alone cannot", async () => {
    const user = await system.signUp("Off again");
    const { app, cookie } = await turnOn(user);
    const isOn = async () => (await system.db.user.findUniqueOrThrow({ where: { id: user.id } })).twoFactorEnabled;
    const noCode = await post("/two-factor/disable", { password: PASSWORD }, cookie);
    expect({ status: noCode.status, code: noCode.body.code }).toEqual({ status: 400, code: "CODE_REQUIRED" });
    const wrongCode = await post("/two-factor/disable", { password: PASSWORD, code: "000000" }, cookie);
    expect({ status: wrongCode.status, code: wrongCode.body.code }).toEqual({ status: 401, code: "INVALID_CODE" });
    const wrongPassword = await post("/two-factor/disable", { password: "a wrong guess", code: await app.code() }, cookie);
    expect({ status: wrongPassword.status, code: wrongPassword.body.code }).toEqual({ status: 400, code: "INVALID_PASSWORD" });
    expect(await isOn()).toBe(true);
    expect((await post("/two-factor/disable", { password: PASSWORD, code: await app.code() }, cookie)).status).toBe(200);
    expect(await isOn()).toBe(false);
    expect((await system.signIn(user.email)).token).toBeTruthy();
  });

  test("a backup code does instead of the app's code (a lost phone)", async () => {
    const user = await system.signUp("Lost phone");
    const { backupCodes, cookie } = await turnOn(user);
    expect((await post("/two-factor/disable", { password: PASSWORD, code: backupCodes[9] }, cookie)).status).toBe(200);
    expect((await system.db.user.findUniqueOrThrow({ where: { id: user.id } })).twoFactorEnabled).toBe(false);
  });

  test(`wrong codes count against the same lock as at sign-in: after ${FAILURES}, even the right code is refused`, async () => {
    const user = await system.signUp("Guessing off");
    const { app, cookie } = await turnOn(user);
    for (let guess = 0; guess < FAILURES; guess += 1)
      expect((await post("/two-factor/disable", { password: PASSWORD, code: String(200000 + guess) }, cookie)).status).toBe(401);
    const right = await post("/two-factor/disable", { password: PASSWORD, code: await app.code() }, cookie);
    expect({ status: right.status, code: right.body.code }).toEqual({ status: 429, code: "ACCOUNT_TEMPORARILY_LOCKED" });
    expect((await system.db.user.findUniqueOrThrow({ where: { id: user.id } })).twoFactorEnabled).toBe(true);
  });
});

describe("ending access elsewhere", () => {
  /** Polls the API with `token` until it is refused, up to 5 s; how long that took. */
  async function refusedWithin(token: string): Promise<number> {
    const start = Date.now();
    for (;;) {
      const answer = await system.graphql("{ me { id } }", { token });
      if (answer.status === 401) return Date.now() - start;
      if (Date.now() - start > 5_000) throw new Error(`still accepted after 5 s: ${answer.text}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  test("turning it off ends the account's other sessions: their tokens are refused, this one's new token works", async () => {
    const user = await system.signUp("Two devices");
    const { app, cookie } = await turnOn(user);
    const laptop = await post(
      "/two-factor/verify-totp",
      { code: await app.code() },
      (await post("/sign-in/email", { email: user.email, password: PASSWORD })).cookie,
    );
    const laptopToken = (await tokenStatus(laptop.cookie)).token ?? "";
    expect((await system.graphql("{ me { id } }", { token: laptopToken })).body.data?.me).toEqual({ id: user.id });

    const off = await post("/two-factor/disable", { password: PASSWORD, code: await app.code() }, cookie);
    expect(off.status).toBe(200);
    expect(await refusedWithin(laptopToken)).toBeLessThan(1_000);
    expect((await tokenStatus(laptop.cookie)).status).toBe(401);
    const ended = await system.db.auditEvent.findMany({
      where: { subjectId: user.id, kind: "SESSION_ENDED" },
      select: { sessionId: true, detail: true },
    });
    expect(ended).toContainEqual({ sessionId: claimsOf(laptopToken).sid, detail: { by: "second_factor_off" } });
    const here = await tokenStatus(off.cookie);
    expect((await system.graphql("{ me { id } }", { token: here.token })).body.data?.me).toEqual({ id: user.id });
    // The session that replaced this one keeps how it was authenticated.
    expect(claimsOf(here.token ?? "").amr).toEqual(["pwd", "otp", "mfa"]);
  });

  test("new backup codes void the old ones and end the account's other sessions", async () => {
    const user = await system.signUp("New codes");
    const { app, backupCodes, cookie } = await turnOn(user);
    const laptop = await post(
      "/two-factor/verify-totp",
      { code: await app.code() },
      (await post("/sign-in/email", { email: user.email, password: PASSWORD })).cookie,
    );
    const laptopToken = (await tokenStatus(laptop.cookie)).token ?? "";

    const renewed = await post("/two-factor/generate-backup-codes", { password: PASSWORD }, cookie);
    expect(renewed.status).toBe(200);
    expect(renewed.body.backupCodes).toHaveLength(10);
    expect(await refusedWithin(laptopToken)).toBeLessThan(1_000);
    expect((await tokenStatus(renewed.cookie)).status).toBe(200);

    const old = await post(
      "/two-factor/verify-backup-code",
      { code: backupCodes[0] },
      (await post("/sign-in/email", { email: user.email, password: PASSWORD })).cookie,
    );
    expect(old.status).toBe(401);
    const fresh = await post(
      "/two-factor/verify-backup-code",
      { code: renewed.body.backupCodes[0] },
      (await post("/sign-in/email", { email: user.email, password: PASSWORD })).cookie,
    );
    expect(fresh.status).toBe(200);
  });
});

test("the endpoints this project does not use answer 404: the secret again, codes by mail", async () => {
  const user = await system.signUp("Unused endpoints");
  await turnOn(user);
  for (const path of ["/two-factor/get-totp-uri", "/two-factor/send-otp", "/two-factor/verify-otp"])
    expect((await post(path, { password: PASSWORD, code: "123456" }, user.cookie)).status, path).toBe(404);
});
