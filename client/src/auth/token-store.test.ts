import { describe, expect, test, vi } from "vitest";
import { fakeJwt } from "../../test/support/fake-backend.ts";
import { createTokenStore, SessionEndedError, tokenFetcher, TokenUnavailableError } from "./token-store.ts";

const MINUTE = 60_000;

/** A token service whose clock may differ from the browser's by `skewMs`. */
function issuer(userId: string, lifetimeSeconds: number, now: () => number, skewMs = 0) {
  let issued = 0;
  return {
    get issued() {
      return issued;
    },
    fetchToken: vi.fn(async () => {
      issued += 1;
      const iat = Math.floor((now() + skewMs) / 1000);
      return fakeJwt({ sub: userId, iat, exp: iat + lifetimeSeconds });
    }),
  };
}

describe("the token store", () => {
  test("renews a 15-minute token one minute before it expires, and not earlier", async () => {
    let clock = Date.parse("2026-01-01T10:00:00Z");
    const service = issuer("user-1", 15 * 60, () => clock);
    const tokens = createTokenStore({ userId: "user-1", fetchToken: service.fetchToken, now: () => clock });

    expect(tokens.needsRenewal()).toBe(true);
    const first = await tokens.fresh();
    expect(service.issued).toBe(1);

    clock += 13 * MINUTE + 59_000;
    expect(tokens.needsRenewal()).toBe(false);
    expect(await tokens.fresh()).toBe(first);
    expect(service.issued).toBe(1);

    clock += 2_000; // 14:01 into a 15:00 token: inside the last minute, still valid.
    expect(tokens.needsRenewal()).toBe(true);
    const second = await tokens.fresh();
    expect(service.issued).toBe(2);
    expect(second).not.toBe(first);
    expect(tokens.current()).toBe(second);
  });

  test("short tokens are renewed when a quarter of their lifetime is left", async () => {
    let clock = 1_000_000;
    const service = issuer("user-1", 8, () => clock);
    const tokens = createTokenStore({ userId: "user-1", fetchToken: service.fetchToken, now: () => clock });
    await tokens.fresh();
    clock += 5_900;
    expect(tokens.needsRenewal()).toBe(false);
    clock += 200; // 6.1 s of 8 s
    expect(tokens.needsRenewal()).toBe(true);
  });

  test("judges expiry by the token's lifetime on the local clock, so a server clock an hour behind changes nothing", async () => {
    let clock = Date.parse("2026-01-01T10:00:00Z");
    const service = issuer("user-1", 15 * 60, () => clock, -60 * MINUTE);
    const tokens = createTokenStore({ userId: "user-1", fetchToken: service.fetchToken, now: () => clock });
    await tokens.fresh();
    expect(tokens.needsRenewal()).toBe(false);
    expect(tokens.expiresAt()).toBe(clock + 15 * MINUTE);
    clock += 14 * MINUTE + 1;
    expect(tokens.needsRenewal()).toBe(true);
  });

  test("concurrent callers share one renewal request", async () => {
    const service = issuer("user-1", 900, Date.now);
    const tokens = createTokenStore({ userId: "user-1", fetchToken: service.fetchToken });
    const results = await Promise.all([tokens.renew(), tokens.renew(), tokens.fresh()]);
    expect(new Set(results).size).toBe(1);
    expect(service.issued).toBe(1);
  });

  test("replace does not share a renewal asked for before it: the token it gives was issued after the call", async () => {
    // The token service answers in the order asked, each answer released by the test.
    const answers: ((token: string) => void)[] = [];
    let issued = 0;
    const fetchToken = () =>
      new Promise<string>((resolve) => {
        const iat = 1_000 + ++issued;
        answers.push(() => resolve(fakeJwt({ sub: "user-1", iat, exp: iat + 900, jti: String(issued) })));
      });
    const tokens = createTokenStore({ userId: "user-1", fetchToken });
    const early = tokens.renew(); // e.g. the usual renewal, asked for before the code was verified
    const replaced = tokens.replace(); // the code was verified now
    answers[0]!("");
    const earlyToken = await early;
    await vi.waitFor(() => expect(answers).toHaveLength(2));
    answers[1]!("");
    const replacedToken = await replaced;
    expect(replacedToken).not.toBe(earlyToken);
    expect(tokens.current()).toBe(replacedToken);
    // With nothing under way it is one request, like renew.
    const again = tokens.replace();
    await vi.waitFor(() => expect(answers).toHaveLength(3));
    answers[2]!("");
    expect(await again).toBe(tokens.current());
  });

  test("a token for a different user (another account signed in elsewhere) ends the session", async () => {
    const service = issuer("user-2", 900, Date.now);
    const tokens = createTokenStore({ userId: "user-1", fetchToken: service.fetchToken });
    await expect(tokens.renew()).rejects.toBeInstanceOf(SessionEndedError);
    expect(tokens.current()).toBeNull();
  });
});

describe("fetching a token from the auth service", () => {
  test("a 401 means the session is gone", async () => {
    const fetchToken = tokenFetcher(async () => ({ data: null, error: { status: 401 } }));
    await expect(fetchToken()).rejects.toBeInstanceOf(SessionEndedError);
  });

  test("a 500 or a network failure means try again, not sign in again", async () => {
    await expect(tokenFetcher(async () => ({ data: null, error: { status: 500 } }))()).rejects.toBeInstanceOf(TokenUnavailableError);
    await expect(
      tokenFetcher(async () => {
        throw new TypeError("Failed to fetch");
      })(),
    ).rejects.toBeInstanceOf(TokenUnavailableError);
  });

  test("a token comes back as it was issued", async () => {
    const token = fakeJwt({ sub: "user-1", iat: 1, exp: 2 });
    expect(await tokenFetcher(async () => ({ data: { token }, error: null }))()).toBe(token);
  });
});
