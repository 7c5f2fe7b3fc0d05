// Failed sign-ins per account, from any address: guessing one account's password from many addresses is
// bounded too. Over real HTTP, each attempt from its own loopback address (the socket is bound to it), so
// no per-IP budget is ever reached and only the account's can refuse.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { requestFrom } from "./support/request-from.ts";
import { PASSWORD, SPA_ORIGIN, startTestSystem, type TestSystem } from "./support/test-system.ts";

let nextAddress = 10;
/** A loopback address no earlier attempt in this file used. */
const freshAddress = () => `127.0.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 2}`;

async function signInFrom(system: TestSystem, email: string, password: string) {
  const answer = await requestFrom(`${system.authUrl}/api/auth/sign-in/email`, freshAddress(), {
    method: "POST",
    headers: { "content-type": "application/json", origin: SPA_ORIGIN },
    body: JSON.stringify({ email, password }),
  });
  const body = (answer.body ? JSON.parse(answer.body) : {}) as { code?: string; message?: string };
  return { status: answer.status, retryAfter: answer.headers["retry-after"], body };
}

const WRONG = "a wrong password guess";

describe("10 failed sign-ins per account per 15 minutes", () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({
      auth: { rateLimit: { signInPerMinute: 5, signUpPerMinute: 0, accountFailures: { max: 10, windowSeconds: 900 } } },
    });
  });
  afterAll(() => system.close());

  test("failures from 20 addresses against one account: the 11th is refused (429, Retry-After, a plain message), the right password too; another account is unaffected", async () => {
    const target = await system.signUp();
    const other = await system.signUp();
    const answers: number[] = [];
    for (let i = 0; i < 20; i += 1) answers.push((await signInFrom(system, target.email, WRONG)).status);
    expect(answers).toEqual([...Array(10).fill(401), ...Array(10).fill(429)]);

    const owner = await signInFrom(system, target.email, PASSWORD);
    expect(owner.status).toBe(429);
    expect(owner.body.code).toBe("TOO_MANY_FAILED_SIGN_INS");
    expect(owner.body.message).toBe("Too many failed sign-ins for this account. Try again in 15 minutes.");
    expect(Number(owner.retryAfter)).toBeGreaterThan(800);
    expect(Number(owner.retryAfter)).toBeLessThanOrEqual(900);

    expect((await signInFrom(system, other.email, WRONG)).status).toBe(401);
    expect((await signInFrom(system, other.email, PASSWORD)).status).toBe(200);
  });

  test("the budget is the address's as typed, account or not: an unknown address is refused the same way", async () => {
    const unknown = `nobody-${randomUUID()}@example.com`;
    for (let i = 0; i < 10; i += 1) expect((await signInFrom(system, unknown, WRONG)).status).toBe(401);
    const refused = await signInFrom(system, unknown.toUpperCase(), WRONG);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe("TOO_MANY_FAILED_SIGN_INS");
  });

  test("a right password gives the budget back: 9 failures, a success, 9 more failures, and the owner still gets in", async () => {
    const user = await system.signUp();
    for (let i = 0; i < 9; i += 1) expect((await signInFrom(system, user.email, WRONG)).status).toBe(401);
    expect((await signInFrom(system, user.email, PASSWORD)).status).toBe(200);
    for (let i = 0; i < 9; i += 1) expect((await signInFrom(system, user.email, WRONG)).status).toBe(401);
    expect((await signInFrom(system, user.email, PASSWORD)).status).toBe(200);
  });

  test("a refused attempt is in the audit trail as a failed sign-in, reason account_locked", async () => {
    const user = await system.signUp();
    for (let i = 0; i < 10; i += 1) await signInFrom(system, user.email, WRONG);
    expect((await signInFrom(system, user.email, PASSWORD)).status).toBe(429);
    const reasons = await system.db.auditEvent.findMany({
      where: { subjectId: user.id, kind: "SIGN_IN_FAILED" },
      orderBy: { at: "asc" },
      select: { detail: true },
    });
    expect(reasons.map(({ detail }) => (detail as { reason: string }).reason)).toEqual([
      ...Array(10).fill("invalid_credentials"),
      "account_locked",
    ]);
  });
});

test("the owner is kept out by someone else's failures for one window at most: after it, the right password gets in", async () => {
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
