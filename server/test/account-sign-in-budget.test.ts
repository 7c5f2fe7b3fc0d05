// Guessing one account's password is bounded, and no one can use that bound to keep the owner out. Over
// real HTTP, each attempt from a loopback address of its own (the socket is bound to it), so the per-IP
// limit never decides and only the account's budgets do. The auth service counts every password it checks
// (TestSystem.passwordChecks): the guesses that were actually tried, not the answers.
import { createHmac, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accountKey } from "../src/auth/known-devices.ts";
import { type PeerAnswer, requestFrom } from "./support/request-from.ts";
import { PASSWORD, SPA_ORIGIN, startTestSystem, type TestSystem } from "./support/test-system.ts";

let nextAddress = 10;
/** A loopback address no earlier attempt in this file used. */
const freshAddress = () => `127.0.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 2}`;

interface Attempt {
  status: number;
  retryAfter?: string;
  body: { code?: string; message?: string };
  /** The cookies a browser would keep from this answer (name=value), the device cookie among them. */
  cookies: string[];
}

function attempt(answer: PeerAnswer): Attempt {
  const body = (answer.body ? JSON.parse(answer.body) : {}) as Attempt["body"];
  const cookies = (answer.headers["set-cookie"] ?? []).map((cookie) => cookie.split(";")[0]!);
  return { status: answer.status, retryAfter: answer.headers["retry-after"] as string | undefined, body, cookies };
}

async function signInFrom(system: TestSystem, email: string, password: string, options: { address?: string; cookie?: string } = {}) {
  const answer = await requestFrom(`${system.authUrl}/api/auth/sign-in/email`, options.address ?? freshAddress(), {
    method: "POST",
    headers: { "content-type": "application/json", origin: SPA_ORIGIN, ...(options.cookie ? { cookie: options.cookie } : {}) },
    body: JSON.stringify({ email, password }),
  });
  return attempt(answer);
}

/** The device cookie a successful sign-in left in the browser. */
function deviceCookie(signedIn: Attempt): string {
  const cookie = signedIn.cookies.find((candidate) => candidate.includes("known_device="));
  if (!cookie) throw new Error(`no device cookie in ${JSON.stringify(signedIn.cookies)}`);
  return cookie;
}

const WRONG = "a wrong password guess";
const BUDGET = 10;

describe(`${BUDGET} failed password checks per account per 15 minutes from unknown clients`, () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({
      auth: { rateLimit: { signInPerMinute: 5, signUpPerMinute: 0, accountFailures: { max: BUDGET, windowSeconds: 900 } } },
    });
  });
  afterAll(() => system.close());

  test("30 wrong guesses sent at once from 10 addresses (3 each, under the per-IP limit): at most 10 passwords are checked, the rest are refused unchecked", async () => {
    const target = await system.signUp();
    const addresses = Array.from({ length: 10 }, freshAddress);
    const checksBefore = system.passwordChecks;
    const answers = await Promise.all(
      addresses.flatMap((address) => [0, 1, 2].map(() => signInFrom(system, target.email, WRONG, { address }))),
    );
    const checked = system.passwordChecks - checksBefore;
    const statuses = answers.map((answer) => answer.status);
    console.log(
      `burst of 30: ${checked} passwords checked; answers ${statuses.filter((s) => s === 401).length}x401, ${statuses.filter((s) => s === 429).length}x429`,
    );
    expect(checked).toBeLessThanOrEqual(BUDGET);
    expect(statuses.filter((status) => status === 401)).toHaveLength(checked);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30 - checked);
    expect(answers.filter((answer) => answer.status === 429).every((answer) => answer.body.code === "TOO_MANY_FAILED_SIGN_INS")).toBe(true);
  });

  test("failures from 20 addresses against one account: the 11th is refused (429, Retry-After, a plain message) unchecked, from an unknown client even with the right password; another account is unaffected", async () => {
    const target = await system.signUp();
    const other = await system.signUp();
    const answers: number[] = [];
    for (let i = 0; i < 20; i += 1) answers.push((await signInFrom(system, target.email, WRONG)).status);
    expect(answers).toEqual([...Array(BUDGET).fill(401), ...Array(20 - BUDGET).fill(429)]);

    const checksBefore = system.passwordChecks;
    const stranger = await signInFrom(system, target.email, PASSWORD);
    expect(system.passwordChecks).toBe(checksBefore);
    expect(stranger.status).toBe(429);
    expect(stranger.body.code).toBe("TOO_MANY_FAILED_SIGN_INS");
    expect(stranger.body.message).toBe("Too many failed sign-ins for this account. Try again in 15 minutes.");
    expect(Number(stranger.retryAfter)).toBeGreaterThan(800);
    expect(Number(stranger.retryAfter)).toBeLessThanOrEqual(900);

    expect((await signInFrom(system, other.email, WRONG)).status).toBe(401);
    expect((await signInFrom(system, other.email, PASSWORD)).status).toBe(200);
  });

  test("the budget is the address's as typed, account or not: an unknown address is refused the same way", async () => {
    const unknown = `nobody-${randomUUID()}@example.com`;
    for (let i = 0; i < BUDGET; i += 1) expect((await signInFrom(system, unknown, WRONG)).status).toBe(401);
    const refused = await signInFrom(system, unknown.toUpperCase(), WRONG);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe("TOO_MANY_FAILED_SIGN_INS");
  });

  test("a right password gives back only its own unit: strangers' failures stay counted, so a success cannot buy them more guesses", async () => {
    const user = await system.signUp();
    for (let i = 0; i < BUDGET - 1; i += 1) expect((await signInFrom(system, user.email, WRONG)).status).toBe(401);
    expect((await signInFrom(system, user.email, PASSWORD)).status).toBe(200);
    expect((await signInFrom(system, user.email, WRONG)).status).toBe(401);
    expect((await signInFrom(system, user.email, WRONG)).status).toBe(429);
  });

  test("a refused attempt is in the audit trail as a failed sign-in, reason account_locked", async () => {
    const user = await system.signUp();
    for (let i = 0; i < BUDGET; i += 1) await signInFrom(system, user.email, WRONG);
    expect((await signInFrom(system, user.email, PASSWORD)).status).toBe(429);
    const reasons = await system.db.auditEvent.findMany({
      where: { subjectId: user.id, kind: "SIGN_IN_FAILED" },
      orderBy: { at: "asc" },
      select: { detail: true },
    });
    expect(reasons.map(({ detail }) => (detail as { reason: string }).reason)).toEqual([
      ...Array(BUDGET).fill("invalid_credentials"),
      "account_locked",
    ]);
  });
});

describe("strangers' failures cannot keep the owner out", () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({
      auth: { rateLimit: { signInPerMinute: 0, signUpPerMinute: 0, accountFailures: { max: BUDGET, windowSeconds: 900 } } },
    });
  });
  afterAll(() => system.close());

  /** Strangers spend the account's budget for unknown clients, from many addresses, until they are refused. */
  async function lockOutStrangers(email: string) {
    for (let i = 0; i < BUDGET; i += 1) expect((await signInFrom(system, email, WRONG)).status).toBe(401);
    expect((await signInFrom(system, email, WRONG)).status).toBe(429);
  }

  test("the owner signs in from a browser they signed in from before, during the attack; their own typos there are checked, not refused", async () => {
    const owner = await system.signUp();
    const laptop = deviceCookie(await signInFrom(system, owner.email, PASSWORD));
    await lockOutStrangers(owner.email);

    const typo = await signInFrom(system, owner.email, WRONG, { cookie: laptop });
    expect(typo.status).toBe(401);
    const back = await signInFrom(system, owner.email, PASSWORD, { cookie: laptop });
    expect(back.status).toBe(200);
    expect(back.cookies.join("; ")).toContain("session_token");
    // The strangers are still refused, unchecked.
    const checksBefore = system.passwordChecks;
    expect((await signInFrom(system, owner.email, PASSWORD)).status).toBe(429);
    expect(system.passwordChecks).toBe(checksBefore);
  });

  test("a known device has a budget of its own: it too is bounded, and spending it does not lock the owner's other browsers", async () => {
    const owner = await system.signUp();
    const laptop = deviceCookie(await signInFrom(system, owner.email, PASSWORD));
    const phone = deviceCookie(await signInFrom(system, owner.email, PASSWORD));
    for (let i = 0; i < BUDGET; i += 1) expect((await signInFrom(system, owner.email, WRONG, { cookie: laptop })).status).toBe(401);
    expect((await signInFrom(system, owner.email, PASSWORD, { cookie: laptop })).status).toBe(429);
    expect((await signInFrom(system, owner.email, PASSWORD, { cookie: phone })).status).toBe(200);
    expect((await signInFrom(system, owner.email, PASSWORD)).status).toBe(200);
  });

  test("a device cookie cannot be made up or borrowed: edited, or from the attacker's own account, it counts as an unknown client", async () => {
    const owner = await system.signUp();
    const attacker = await system.signUp();
    const attackersOwn = deviceCookie(await signInFrom(system, attacker.email, PASSWORD));
    await lockOutStrangers(owner.email);

    expect((await signInFrom(system, owner.email, PASSWORD, { cookie: attackersOwn })).status).toBe(429);
    // The attacker's own signed cookie, edited to name the owner's account (how accounts are named is no
    // secret): the signature no longer holds.
    const [name, value] = attackersOwn.split("=") as [string, string];
    const [deviceId, rest] = decodeURIComponent(value).split(":") as [string, string];
    const signature = rest.slice(rest.lastIndexOf("."));
    const edited = `${name}=${encodeURIComponent(`${deviceId}:${accountKey(owner.email)}${signature}`)}`;
    expect((await signInFrom(system, owner.email, PASSWORD, { cookie: edited })).status).toBe(429);
    // The control: the same value signed with the service's own secret (which an attacker does not have)
    // is a known device, so the refusals above are the signature's doing.
    const forgedValue = `${deviceId}:${accountKey(owner.email)}`;
    const genuine = `${forgedValue}.${createHmac("sha256", system.authConfig.secret).update(forgedValue).digest("base64")}`;
    expect((await signInFrom(system, owner.email, PASSWORD, { cookie: `${name}=${encodeURIComponent(genuine)}` })).status).toBe(200);
  });

  test("the owner on a new browser during the attack: refused; a completed password reset clears the budget and makes that browser known", async () => {
    const owner = await system.signUp();
    await lockOutStrangers(owner.email);
    const newBrowser = freshAddress();
    expect((await signInFrom(system, owner.email, PASSWORD, { address: newBrowser })).status).toBe(429);

    const since = new Date();
    const asked = await system.authFetch("/api/auth/request-password-reset", {
      method: "POST",
      body: JSON.stringify({ email: owner.email, redirectTo: `${SPA_ORIGIN}/reset-password` }),
    });
    expect(asked.status).toBe(200);
    const mail = await system.mailbox.waitFor(owner.email, { since });
    expect(mail.subject).toBe("Reset your Tasks password");
    const link = mail.links[0]!;
    const landed = await fetch(link, { redirect: "manual" });
    const token = new URL(landed.headers.get("location")!).searchParams.get("token")!;
    const newPassword = "a brand new passphrase 42";
    const reset = attempt(
      await requestFrom(`${system.authUrl}/api/auth/reset-password`, newBrowser, {
        method: "POST",
        headers: { "content-type": "application/json", origin: SPA_ORIGIN },
        body: JSON.stringify({ token, newPassword }),
      }),
    );
    expect(reset.status).toBe(200);

    // That browser is now a known device; and the strangers' count is gone, so any browser gets in.
    expect((await signInFrom(system, owner.email, newPassword, { address: newBrowser, cookie: deviceCookie(reset) })).status).toBe(200);
    expect((await signInFrom(system, owner.email, newPassword)).status).toBe(200);
  });
});

test("without a device, the owner is kept out by strangers' failures for one window at most: after it, the right password gets in", async () => {
  const system = await startTestSystem({
    auth: { rateLimit: { signInPerMinute: 0, signUpPerMinute: 0, accountFailures: { max: 3, windowSeconds: 2 } } },
  });
  try {
    const user = await system.signUp();
    for (let i = 0; i < 3; i += 1) expect((await signInFrom(system, user.email, WRONG)).status).toBe(401);
    expect((await signInFrom(system, user.email, PASSWORD)).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await signInFrom(system, user.email, PASSWORD)).status).toBe(200);
  } finally {
    await system.close();
  }
});
