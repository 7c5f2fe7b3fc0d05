// Passkeys over HTTP (auth/passkeys.ts), with a software authenticator (support/webauthn.ts) standing in for the
// browser's: adding one takes the session and the current password; signing in with one makes a session whose
// token says how (amr swk user mfa, auth_time); a key used without verifying its holder makes none; removing
// one ends the account's other sessions. Chromium's own authenticator runs the whole flow in the browser test.
import { afterAll, beforeAll, expect, test } from "vitest";
import { setRole } from "../src/auth/roles.ts";
import { requestFrom } from "./support/request-from.ts";
import { cookiesAfter, PASSWORD, SPA_ORIGIN, startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";
import { decodePayload } from "./support/token-forgery.ts";
import { assert, type Credential, createCredential } from "./support/webauthn.ts";

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem({
    auth: { rateLimit: { signInPerMinute: 0, signUpPerMinute: 0, accountFailures: { max: 10, windowSeconds: 900 } } },
  });
});
afterAll(() => system.close());

interface Answer {
  status: number;
  body: any;
  /** The browser's cookies after the answer. */
  cookie: string;
}

let nextAddress = 10;
/** A request from a loopback address of its own each time, so Better Auth's per-IP limits never decide. */
async function call(method: "GET" | "POST", path: string, cookie: string, body?: unknown): Promise<Answer> {
  const address = `127.4.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 2}`;
  const answer = await requestFrom(`${system.authUrl}/api/auth${path}`, address, {
    method,
    headers: { origin: SPA_ORIGIN, ...(body ? { "content-type": "application/json" } : {}), ...(cookie ? { cookie } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const setCookies = new Headers((answer.headers["set-cookie"] ?? []).map((value): [string, string] => ["set-cookie", value]));
  return { status: answer.status, body: answer.body ? JSON.parse(answer.body) : {}, cookie: cookiesAfter(cookie, { headers: setCookies }) };
}

async function tokenOf(cookie: string): Promise<{ status: number; token?: string }> {
  const response = await system.authFetch("/api/auth/token", { headers: { cookie } });
  return { status: response.status, token: response.status === 200 ? ((await response.json()) as { token: string }).token : undefined };
}

/** The registration ceremony as the SPA runs it, once the password was confirmed: options, the authenticator, its answer. */
async function register(user: TestUser, extra: Record<string, unknown>) {
  const options = await call("GET", "/passkey/generate-register-options", user.cookie);
  expect(options.status).toBe(200);
  const { credential, response } = createCredential(options.body, SPA_ORIGIN);
  const verified = await call("POST", "/passkey/verify-registration", options.cookie, { response, ...extra });
  return { credential, verified };
}

async function confirmPassword(user: TestUser, password = PASSWORD): Promise<Answer> {
  return call("POST", "/passkey/confirm-password", user.cookie, { password });
}

async function addPasskey(user: TestUser, name = "Laptop"): Promise<Credential> {
  expect((await confirmPassword(user)).status).toBe(200);
  const { credential, verified } = await register(user, { name });
  expect(verified.status).toBe(200);
  return credential;
}

/** "Sign in with a passkey" in a browser with no session (or, to step up, in one signed in: `cookie`). */
async function signInWith(credential: Credential, options: { userVerified?: boolean; cookie?: string } = {}): Promise<Answer> {
  const challenge = await call("GET", "/passkey/generate-authenticate-options", options.cookie ?? "");
  expect(challenge.status).toBe(200);
  return call("POST", "/passkey/verify-authentication", challenge.cookie, {
    response: assert(credential, challenge.body, SPA_ORIGIN, options),
  });
}

test("the relying party is the web app: its host name is the rpID", async () => {
  const user = await system.signUp("Relying party");
  await confirmPassword(user);
  const options = await call("GET", "/passkey/generate-register-options", user.cookie);
  expect(options.body.rp).toEqual({ id: new URL(SPA_ORIGIN).hostname, name: "Tasks" });
  // A discoverable credential with user verification: the sign-in asks for no email and counts as two factors.
  expect(options.body.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "required" });
});

test("adding a passkey takes a session and the current password first: a stolen session cookie alone cannot", async () => {
  const user = await system.signUp("Adds a passkey");
  expect((await call("GET", "/passkey/generate-register-options", "")).status).toBe(401);
  expect((await confirmPassword({ ...user, cookie: "" })).status).toBe(401);
  // No options, so no authenticator is asked, before the password.
  const unconfirmed = await call("GET", "/passkey/generate-register-options", user.cookie);
  expect({ status: unconfirmed.status, code: unconfirmed.body.code }).toEqual({ status: 403, code: "PASSWORD_REQUIRED" });
  const wrong = await confirmPassword(user, "a wrong guess");
  expect({ status: wrong.status, code: wrong.body.code }).toEqual({ status: 400, code: "INVALID_PASSWORD" });
  expect((await call("GET", "/passkey/generate-register-options", user.cookie)).status).toBe(403);
  // A confirmation is this session's: another session of the account still has to type it.
  expect((await confirmPassword(user)).status).toBe(200);
  const other = await system.signIn(user.email);
  expect((await call("GET", "/passkey/generate-register-options", other.cookie)).status).toBe(403);
  // The plugin's "and sign in" makes a second session: not offered.
  expect((await register(user, { name: "Key", createSession: true })).verified.status).toBe(400);
  expect(await system.db.passkey.count({ where: { userId: user.id } })).toBe(0);

  expect((await register(user, { name: "Work laptop" })).verified.status).toBe(200);
  const listed = await call("GET", "/passkey/list-user-passkeys", user.cookie);
  expect(listed.body.map((passkey: { name: string }) => passkey.name)).toEqual(["Work laptop"]);
  // One confirmation, one passkey.
  expect((await call("GET", "/passkey/generate-register-options", user.cookie)).status).toBe(403);
});

test("a passkey sign-in makes a session whose token says amr swk user mfa and auth_time now; no token in the answer", async () => {
  const user = await system.signUp("Passkey sign-in");
  const credential = await addPasskey(user);
  const before = Math.floor(Date.now() / 1000);
  const signedIn = await signInWith(credential);
  expect(signedIn.status).toBe(200);
  expect(signedIn.body.user.id).toBe(user.id);
  // The session's token is the cookie's: never in JSON a script could read (session-token-privacy.ts).
  expect(signedIn.body.session.token).toBeUndefined();
  const { token } = await tokenOf(signedIn.cookie);
  const claims = decodePayload(token ?? "");
  expect(claims.sub).toBe(user.id);
  expect(claims.amr).toEqual(["swk", "user", "mfa"]);
  expect(claims.auth_time).toBeGreaterThanOrEqual(before - 1);
  expect(claims.auth_time).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
});

test("a passkey used without verifying its holder (a touch, no PIN or biometric) makes no session", async () => {
  const user = await system.signUp("Touch only");
  const credential = await addPasskey(user);
  const sessions = await system.db.session.count({ where: { userId: user.id } });
  const touched = await signInWith(credential, { userVerified: false });
  expect({ status: touched.status, code: touched.body.code }).toEqual({ status: 401, code: "USER_VERIFICATION_REQUIRED" });
  expect(await system.db.session.count({ where: { userId: user.id } })).toBe(sessions);
  expect((await tokenOf(touched.cookie)).status).toBe(401);
});

test("an answer made on another origin (a phishing page), or for another site's rpID, signs in no one", async () => {
  const user = await system.signUp("Phished");
  const credential = await addPasskey(user);
  const phishing = await call("GET", "/passkey/generate-authenticate-options", "");
  const phished = assert(credential, phishing.body, "https://tasks.example.evil");
  expect((await call("POST", "/passkey/verify-authentication", phishing.cookie, { response: phished })).status).toBe(400);
  const otherSite = await call("GET", "/passkey/generate-authenticate-options", "");
  const forOtherSite = assert(credential, { ...otherSite.body, rpId: "tasks.example.evil" }, SPA_ORIGIN);
  expect((await call("POST", "/passkey/verify-authentication", otherSite.cookie, { response: forOtherSite })).status).toBe(400);
});

test("removing a passkey ends the account's other sessions, not this one; another account cannot remove it", async () => {
  const user = await system.signUp("Removes a passkey");
  const credential = await addPasskey(user);
  const elsewhere = await signInWith(credential);
  const alsoElsewhere = await system.signIn(user.email);
  expect((await tokenOf(elsewhere.cookie)).status).toBe(200);
  const [passkey] = (await call("GET", "/passkey/list-user-passkeys", user.cookie)).body;

  const stranger = await system.signUp("Stranger");
  expect((await call("POST", "/passkey/delete-passkey", stranger.cookie, { id: passkey.id })).status).toBe(401);
  expect((await tokenOf(elsewhere.cookie)).status).toBe(200);

  expect((await call("POST", "/passkey/delete-passkey", user.cookie, { id: passkey.id })).status).toBe(200);
  expect((await tokenOf(elsewhere.cookie)).status).toBe(401);
  expect((await tokenOf(alsoElsewhere.cookie)).status).toBe(401);
  expect((await tokenOf(user.cookie)).status).toBe(200);
  // And the removed key signs in no more.
  expect((await signInWith(credential)).status).toBe(401);
});

test("a passkey is a second factor for admin: the operator may grant it, and a passkey sign-in opens admin fields", async () => {
  const user = await system.signUp("Passkey admin");
  expect(await setRole(system.db, user.email, "admin")).toBe("no-second-factor");
  const credential = await addPasskey(user);
  expect(await setRole(system.db, user.email, "admin")).toBe("changed");
  const signedIn = await signInWith(credential);
  const { token } = await tokenOf(signedIn.cookie);
  const answer = await system.graphql("{ adminStats { users } }", { token });
  expect(answer.body.errors).toBeUndefined();
  expect(answer.body.data?.adminStats).toEqual({ users: expect.any(Number) });
});

test("stepping up with a passkey while signed in takes one of this account's: another account's makes no session", async () => {
  const me = await system.signUp("Steps up");
  const mine = await addPasskey(me);
  const other = await system.signUp("Owns the other key");
  const theirs = await addPasskey(other);
  const sessionsBefore = await system.db.session.count({ where: { userId: other.id } });
  const refused = await signInWith(theirs, { cookie: me.cookie });
  expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: "PASSKEY_OF_ANOTHER_ACCOUNT" });
  expect(await system.db.session.count({ where: { userId: other.id } })).toBe(sessionsBefore);
  // Control: this account's own passkey steps up (a new session of the same person).
  const accepted = await signInWith(mine, { cookie: me.cookie });
  expect(accepted.status).toBe(200);
  expect(decodePayload((await tokenOf(accepted.cookie)).token!).sub).toBe(me.id);
});
