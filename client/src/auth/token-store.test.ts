import { generateKeyPair, type KeyPair } from "dpop";
import { describe, expect, test, vi } from "vitest";
import { readProof, thumbprintOf } from "../../test/support/dpop-proofs.ts";
import { fakeJwt } from "../../test/support/fake-backend.ts";
import { createTokenStore, type IssuedToken, SessionEndedError, tokenFetcher, TokenUnavailableError } from "./token-store.ts";

const MINUTE = 60_000;

const bearer = (token: string): IssuedToken => ({ token, type: "Bearer" });

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
      return bearer(fakeJwt({ sub: userId, iat, exp: iat + lifetimeSeconds }));
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
      new Promise<IssuedToken>((resolve) => {
        const iat = 1_000 + ++issued;
        answers.push(() => resolve(bearer(fakeJwt({ sub: "user-1", iat, exp: iat + 900, jti: String(issued) }))));
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
    expect(await tokenFetcher(async () => ({ data: { token }, error: null }))()).toEqual({ token, type: "Bearer" });
  });

  describe("with this browser's DPoP key", () => {
    const token = fakeJwt({ sub: "user-1", iat: 1, exp: 901 });
    const url = "http://localhost:5173/api/auth/token";
    const keyPair = () => generateKeyPair("ES256", { extractable: false });
    /** A token endpoint that answers `answer` and keeps the headers it was sent. */
    const endpoint = (answer: { data: { token: string; token_type?: string } | null; error: Record<string, unknown> | null }) => {
      const sent: Record<string, string>[] = [];
      const request = async (headers: Record<string, string>) => {
        sent.push(headers);
        return answer as { data: typeof answer.data; error: null };
      };
      return { sent, request };
    };

    test("asks with a proof by the key (GET, the endpoint's URL, no ath), and keeps the key with the DPoP token it gets", async () => {
      const key = await keyPair();
      const { sent, request } = endpoint({ data: { token, token_type: "DPoP" }, error: null });
      const issued = await tokenFetcher(request, { key: async () => key, url })();

      expect(issued).toEqual({ token, type: "DPoP", key });
      expect(Object.keys(sent[0]!)).toEqual(["DPoP"]);
      const proof = await readProof(sent[0]!.DPoP!);
      expect(proof.claims).toMatchObject({ htm: "GET", htu: url });
      expect(proof.claims).not.toHaveProperty("ath");
      expect(proof.thumbprint).toBe(await thumbprintOf(await crypto.subtle.exportKey("jwk", key.publicKey)));
    });

    test("each token request has a fresh proof", async () => {
      const key = await keyPair();
      const { sent, request } = endpoint({ data: { token, token_type: "DPoP" }, error: null });
      const fetchToken = tokenFetcher(request, { key: async () => key, url });
      await fetchToken();
      await fetchToken();
      expect((await readProof(sent[1]!.DPoP!)).claims.jti).not.toBe((await readProof(sent[0]!.DPoP!)).claims.jti);
    });

    test("a token the service did not bind (token_type Bearer, or none from an older service) is kept as a bearer token", async () => {
      const key = await keyPair();
      for (const data of [{ token, token_type: "Bearer" }, { token }]) {
        const { request } = endpoint({ data, error: null });
        expect(await tokenFetcher(request, { key: async () => key, url })()).toEqual({ token, type: "Bearer" });
      }
    });

    test("without WebCrypto (no key) it asks with no proof and gets a bearer token", async () => {
      const { sent, request } = endpoint({ data: { token }, error: null });
      expect(await tokenFetcher(request, { key: async () => null, url })()).toEqual({ token, type: "Bearer" });
      expect(sent).toEqual([{}]);
    });

    test("a token said to be bound when no key was offered is not used", async () => {
      const { request } = endpoint({ data: { token, token_type: "DPoP" }, error: null });
      await expect(tokenFetcher(request, { key: async () => null, url })()).rejects.toBeInstanceOf(TokenUnavailableError);
    });

    test("a refused proof (400 invalid_dpop_proof) is a token the service would not give, with its reason, not an ended session", async () => {
      const key = await keyPair();
      const { request } = endpoint({ data: null, error: { status: 400, error: "invalid_dpop_proof", error_description: "iat" } });
      const refused = await tokenFetcher(request, { key: async () => key, url })().catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(TokenUnavailableError);
      expect((refused as TokenUnavailableError).reason).toBe("key-proof");
    });

    test("a key that cannot be made or read is a token unavailable, not a crash", async () => {
      const { sent, request } = endpoint({ data: { token }, error: null });
      const failing = tokenFetcher(request, { key: (): Promise<KeyPair> => Promise.reject(new Error("no")), url });
      await expect(failing()).rejects.toBeInstanceOf(TokenUnavailableError);
      expect(sent).toEqual([]);
    });
  });
});
