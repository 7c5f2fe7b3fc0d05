// Revocation compares times: a token's iat with the moment a ban or a demotion happened, and an event's
// age with the oldest token still acceptable. Those times come from three machines (the auth service
// signs, the database stamps events, the API checks and prunes), and a host whose clock is off must not
// reopen what was revoked. Here the services run as separate processes whose clock is an hour off
// (test/support/shifted-clock.ts); the database, and this test, keep the true time.
import { afterAll, beforeAll, expect, test } from "vitest";
import { KEYS_RETRY_AFTER_MS } from "../src/token-verification/token-verifier.ts";
import { setRole } from "../src/auth/roles.ts";
import { rotateSigningKeys } from "../src/auth/signing-keys.ts";
import { startApiProcess, startServicesProcess, type ApiProcess, type ServicesProcess } from "./support/api-process.ts";
import { decodePayload, goodClaims, ME, now } from "./support/token-forgery.ts";
import { PASSWORD, sessionCookie, SPA_ORIGIN, startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

const HOUR_MS = 60 * 60_000;
const ADMIN_STATS = "{ adminStats { users } }";
const PROPAGATION_BOUND_MS = 1_000;

let system: TestSystem;
/** The auth service and an API on a host whose clock runs an hour ahead. */
let ahead: ServicesProcess;
/** An API on a host whose clock runs an hour behind. */
let behind: ApiProcess;
/** Signed out on the true-clock auth service before the host ahead started. */
let signedOutEarlier: TestUser;

beforeAll(async () => {
  system = await startTestSystem();
  signedOutEarlier = await system.signUp();
  await post(system.authUrl, "/api/auth/sign-out", signedOutEarlier.cookie);
  // A heartbeat every 0.5 s: the feed re-reads the clock and prunes that often.
  const fastHeartbeat = { API_REVOCATION_MAX_STALENESS_MS: "1500" };
  [ahead, behind] = await Promise.all([
    startServicesProcess(system, { clockShiftMs: HOUR_MS, env: fastHeartbeat }),
    startApiProcess(system, fastHeartbeat, undefined, { clockShiftMs: -HOUR_MS }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([ahead?.stop(), behind?.stop()]);
  await system?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(authUrl: string, path: string, cookie: string, body: unknown = {}): Promise<Response> {
  const response = await fetch(`${authUrl}${path}`, {
    method: "POST",
    headers: { origin: SPA_ORIGIN, "content-type": "application/json", cookie },
    body: JSON.stringify(body),
  });
  expect(response.status, `${path}: ${response.status}`).toBe(200);
  return response;
}

async function call(url: string, token: string, query = ME): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: await response.json() };
}

/** Signs in through the host ahead's own auth service: its session, and a token it signed. */
async function signInAhead(user: TestUser): Promise<{ cookie: string; token: string }> {
  const signedIn = await fetch(`${ahead.authUrl}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { origin: SPA_ORIGIN, "content-type": "application/json" },
    body: JSON.stringify({ email: user.email, password: PASSWORD }),
  });
  expect(signedIn.status).toBe(200);
  const cookie = sessionCookie(signedIn);
  return { cookie, token: await tokenAhead(cookie) };
}

async function tokenAhead(cookie: string): Promise<string> {
  const answer = await fetch(`${ahead.authUrl}/api/auth/token`, { headers: { origin: SPA_ORIGIN, cookie } });
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { token: string }).token;
}

/** 401 invalid_token within the bound from `since`, and still 401 after `holdMs` more (heartbeats, prunes). */
async function expectRefusedAndStaysRefused(url: string, token: string, since: number, holdMs = 0): Promise<void> {
  for (;;) {
    const { status, body } = await call(url, token);
    if (status === 401) break;
    if (performance.now() - since > PROPAGATION_BOUND_MS)
      throw new Error(`still ${status} ${JSON.stringify(body)} after ${PROPAGATION_BOUND_MS} ms`);
    await sleep(10);
  }
  await sleep(holdMs);
  const later = await call(url, token);
  expect(later.status, `after ${holdMs} ms more: ${JSON.stringify(later.body)}`).toBe(401);
  expect(later.body.errors[0].extensions.code).toBe("INVALID_TOKEN");
}

test("an auth service an hour ahead keeps the revocation events still in force: an API instance that starts later refuses the signed-out token", async () => {
  // Its first session prunes the revocation table (auth.ts, at most once a minute).
  await signInAhead(await system.signUp());
  const eventKept = await system.db.revocationEvent.count({ where: { kind: "session-revoked", subject: signedOutEarlier.sessionId } });
  const startedLater = system.apiWith({});
  expect((await system.graphql(ME, { token: signedOutEarlier.token, api: startedLater })).status).toBe(401);
  expect(eventKept).toBe(1);
  await startedLater.dispose();
});

test("its tokens carry the database's time: an API on a true clock accepts them, and its own API does too", async () => {
  const user = await system.signUp();
  const { token } = await signInAhead(user);
  expect(Math.abs(decodePayload(token).iat! - now())).toBeLessThanOrEqual(2);
  expect((await system.graphql(ME, { token })).body).toEqual({ data: { me: { id: user.id } } });
  expect((await call(ahead.url, token)).body).toEqual({ data: { me: { id: user.id } } });
});

test("losing the admin role ends the admin tokens the host ahead issued, at its own API, within a second", async () => {
  const signedUp = await system.signUp();
  const { cookie } = await signInAhead(signedUp);
  // An admin has a second factor (roles.ts), and admin fields ask for a recent one. The session ahead is
  // marked as if it had just verified a code: a code typed there would not do, because the auth service ahead
  // checks codes against its own clock, an hour off (TOTP needs the right time; the tokens do not).
  const member = await system.turnOnSecondFactor(signedUp);
  expect(await setRole(system.db, member.email, "admin")).toBe("changed");
  const { sid } = decodePayload(await tokenAhead(cookie)) as { sid: string };
  await system.db.$executeRaw`UPDATE "session" SET "authMethods" = 'pwd otp mfa', "secondFactorAt" = now() WHERE "id" = ${sid}`;
  const token = await tokenAhead(cookie);
  expect((await call(ahead.url, token, ADMIN_STATS)).body.data.adminStats.users).toBeGreaterThan(0);

  await setRole(system.db, member.email, "user"); // what `pnpm admin:grant <email> --revoke` does
  await expectRefusedAndStaysRefused(ahead.url, token, performance.now());
  // The user stays signed in; the next token is a plain user's.
  const next = await fetch(`${ahead.authUrl}/api/auth/token`, { headers: { origin: SPA_ORIGIN, cookie } });
  const { status, body } = await call(ahead.url, ((await next.json()) as { token: string }).token, ADMIN_STATS);
  expect(status).toBe(200);
  expect(body.errors[0].extensions.code).toBe("FORBIDDEN");
});

test("a sign-out stays in force at the host ahead's API: refused within a second, and still refused after several heartbeats", async () => {
  const user = await system.signUp();
  const { cookie, token } = await signInAhead(user);
  expect((await call(ahead.url, token)).status).toBe(200);
  await post(ahead.authUrl, "/api/auth/sign-out", cookie);
  await expectRefusedAndStaysRefused(ahead.url, token, performance.now(), 3_000);
});

test("a key rotated inside the key set's cooldown: its first token is accepted at once by the host ahead's API", async () => {
  for (let rotation = 1; rotation <= 2; rotation += 1) {
    expect(await rotateSigningKeys(system.db)).toBe(1);
    const user = await system.signUp(); // its token is the new key's first
    // The second rotation comes inside the 30 s cooldown that the first one's fetch started, where only
    // the early re-fetch for tokens issued after the last fetch lets the new key in (key-set.ts): that
    // compares the token's iat with the fetch's time, so both must be on one clock.
    expect((await call(ahead.url, user.token)).body, `rotation ${rotation}`).toEqual({ data: { me: { id: user.id } } });
    await sleep(KEYS_RETRY_AFTER_MS + 500); // at most one early re-fetch per retry interval
  }
});

test("an API an hour behind refuses an expired token and keeps a sign-out in force", async () => {
  const user = await system.signUp();
  // Signed with the real key 70 minutes ago, expired 55 minutes ago by the database's (and everyone
  // else's) clock; by the host's clock it is 10 minutes old.
  const expired = await system.signWithAuthKeys(goodClaims(user, { iat: now() - 70 * 60, exp: now() - 55 * 60 }));
  expect((await call(behind.url, expired)).status).toBe(401);
  expect((await call(behind.url, user.token)).status).toBe(200); // control: the same user's live token

  await post(system.authUrl, "/api/auth/sign-out", user.cookie);
  await expectRefusedAndStaysRefused(behind.url, user.token, performance.now(), 3_000);
});
