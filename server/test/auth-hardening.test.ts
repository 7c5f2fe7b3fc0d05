// The auth service's abuse limits and password policy, over real HTTP (so the client-IP header is set
// by our server from the socket, as in production).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createAuthApp } from "../src/auth/app.ts";
import { HSTS } from "../src/shared/hsts.ts";
import { createAuth } from "../src/auth/auth.ts";
import { commonPasswordCount, passwordProblem } from "../src/auth/password-policy.ts";
import { requestFrom } from "./support/request-from.ts";
import { PASSWORD, SPA_ORIGIN, sessionCookie, startTestSystem, type TestSystem } from "./support/test-system.ts";

describe("rate limits on sign-in and sign-up (memory store)", () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({ auth: { rateLimit: { signInPerMinute: 3, signUpPerMinute: 2 } } });
  });
  afterAll(() => system.close());

  /**
   * A sign-in over a connection from the given loopback address (the client socket is bound to it), so
   * the auth service's HTTP server sees that address as the peer, as it would a real client's.
   */
  const signInFrom = (localAddress: string, email: string, password: string) =>
    requestFrom(`${system.authUrl}/api/auth/sign-in/email`, localAddress, {
      method: "POST",
      headers: { "content-type": "application/json", origin: SPA_ORIGIN },
      body: JSON.stringify({ email, password }),
    });
  const signUp = () =>
    system.authFetch("/api/auth/sign-up/email", {
      method: "POST",
      body: JSON.stringify({ email: `${randomUUID()}@example.com`, password: PASSWORD, name: "R" }),
    });

  test("the fourth sign-in attempt in a minute from one address is refused with 429 and Retry-After, even with the right password", async () => {
    const user = await system.signUp();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await signInFrom("127.0.0.1", user.email, "wrong password guess")).status).toBe(401);
    }
    const refused = await signInFrom("127.0.0.1", user.email, PASSWORD);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers["set-cookie"]).toBeUndefined();

    // The budget is the address's own: the same user signs in from another address at once.
    const elsewhere = await signInFrom("127.0.0.2", user.email, PASSWORD);
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.headers["set-cookie"]?.join("; ")).toContain("session_token");
  });

  test("the third sign-up in a minute is refused with 429 and creates no user", async () => {
    const before = await system.db.user.count();
    // signUp() above already used one of the two sign-ups this minute.
    expect((await signUp()).status).toBe(200);
    const refused = await signUp();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await system.db.user.count()).toBe(before + 1);
  });
});

describe("password policy at sign-up", () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(() => system.close());

  const signUpWith = (password: string, email = `${randomUUID()}@example.com`, name = "Pat") =>
    system.authFetch("/api/auth/sign-up/email", { method: "POST", body: JSON.stringify({ email, password, name }) });

  test.each(["password123", "qwertyuiop", "1234567890", "Iloveyou123"])(
    "a common password (%s) is refused with a clear message",
    async (password) => {
      const response = await signUpWith(password);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toBe(
        "This password is one of the most commonly used passwords. Choose one that is harder to guess.",
      );
    },
  );

  test("a password shorter than 10 characters is refused", async () => {
    const response = await signUpWith("Xy7#kq2!m");
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/too short/i);
  });

  test("the email or the name as password is refused", async () => {
    const email = `averylongname${randomUUID().slice(0, 6)}@example.com`;
    expect((await signUpWith(email, email)).status).toBe(400);
    expect((await signUpWith("Patricia Longname", undefined, "Patricia Longname")).status).toBe(400);
  });

  test("a long, uncommon password is accepted and nothing is stored for refused ones", async () => {
    const before = await system.db.user.count();
    await signUpWith("password123");
    expect(await system.db.user.count()).toBe(before);
    expect((await signUpWith("violet-tractor-harbour-91")).status).toBe(200);
  });

  test("the bundled list is loaded", () => {
    expect(commonPasswordCount()).toBeGreaterThan(100);
    expect(passwordProblem("PASSWORD")).not.toBeNull();
    expect(passwordProblem("violet-tractor-harbour-91")).toBeNull();
  });
});

describe("production posture of the auth service", () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(() => system.close());

  /** A sign-up through `app`, then its verification link followed through `app`: the answer that signs in. */
  const signUpThrough = async (app: ReturnType<typeof createAuthApp>) => {
    const email = `${randomUUID()}@example.com`;
    const signUp = await app.fetch(
      new Request(`${system.authUrl}/api/auth/sign-up/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: SPA_ORIGIN },
        body: JSON.stringify({ email, password: PASSWORD, name: "Prod", callbackURL: `${SPA_ORIGIN}/` }),
      }),
    );
    expect(signUp.status).toBe(200);
    const mail = await system.mailbox.waitFor(email);
    // In the browser that signed up: the link signs in only that one.
    return app.fetch(new Request(mail.links[0]!, { headers: { cookie: sessionCookie(signUp) } }));
  };

  test("in production: HSTS on every answer, and session cookies that are Secure, HttpOnly, SameSite and __Secure-", async () => {
    const app = createAuthApp(createAuth(system.db, { ...system.authConfig, production: true }, { mailer: system.mail.mailer }));
    const response = await signUpThrough(app);
    expect(response.status).toBe(302);
    expect(response.headers.get("strict-transport-security")).toBe(HSTS);
    const cookie = response.headers.getSetCookie().find((value) => value.includes("session_token"));
    expect(cookie).toMatch(/^__Secure-/);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect((await app.fetch(new Request(`${system.authUrl}/health`))).headers.get("strict-transport-security")).toBe(HSTS);
  });

  test("in development: no HSTS (plain http://localhost), cookies still HttpOnly", async () => {
    const response = await signUpThrough(system.authApp);
    expect(response.headers.get("strict-transport-security")).toBeNull();
    const cookie = response.headers.getSetCookie().find((value) => value.includes("session_token"));
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).not.toMatch(/^__Secure-/);
  });
});

describe("auth answers are never cached", () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(() => system.close());

  // A shared cache (a CDN, a corporate proxy) or the browser's back/forward cache must not keep an
  // answer that carries a token, a session or a cookie.
  test("sign-up, sign-in, /token, /get-session and /list-sessions answer Cache-Control: no-store", async () => {
    const signUp = await system.authFetch("/api/auth/sign-up/email", {
      method: "POST",
      body: JSON.stringify({ email: `${randomUUID()}@example.com`, password: PASSWORD, name: "C" }),
    });
    const { email } = await system.signUp("Cached"); // verified, so it can sign in
    const signIn = await system.authFetch("/api/auth/sign-in/email", {
      method: "POST",
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    const failedSignIn = await system.authFetch("/api/auth/sign-in/email", {
      method: "POST",
      body: JSON.stringify({ email, password: "not the password" }),
    });
    const cookie = sessionCookie(signIn);
    const answers = {
      signUp,
      signIn,
      failedSignIn,
      token: await system.authFetch("/api/auth/token", { headers: { cookie } }),
      getSession: await system.authFetch("/api/auth/get-session", { headers: { cookie } }),
      listSessions: await system.authFetch("/api/auth/list-sessions", { headers: { cookie } }),
    };
    expect(
      Object.fromEntries(
        Object.entries(answers).map(([name, response]) => [name, [response.status, response.headers.get("cache-control")]]),
      ),
    ).toEqual({
      signUp: [200, "no-store"],
      signIn: [200, "no-store"],
      failedSignIn: [401, "no-store"],
      token: [200, "no-store"],
      getSession: [200, "no-store"],
      listSessions: [200, "no-store"],
    });
  });
});
