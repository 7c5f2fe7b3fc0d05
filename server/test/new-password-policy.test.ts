// One password policy on every path that sets a password (sign-up, reset by mail, change with the current
// one): not a common password, not the address, its name part, or the account's name. A reset has no
// session, so the account is the reset link's; a change has one, read by the policy itself.
import { afterAll, beforeAll, expect, test } from "vitest";
import { PASSWORD, SPA_ORIGIN, startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

const NAME = "Alexandra Longname";
let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

/** The same words for every refusal of this kind, on every path. */
const OWN_DETAILS = "The password must not be your email address or your name.";

const ownDetails = (user: TestUser) => [user.email, user.email.split("@")[0]!, NAME.toUpperCase()];

async function resetToken(user: TestUser): Promise<string> {
  const since = new Date();
  const asked = await system.authFetch("/api/auth/request-password-reset", {
    method: "POST",
    body: JSON.stringify({ email: user.email, redirectTo: `${SPA_ORIGIN}/reset-password` }),
  });
  expect(asked.status).toBe(200);
  const mail = await system.mailbox.waitFor(user.email, { since });
  const followed = await fetch(mail.links[0]!, { redirect: "manual" });
  return new URL(followed.headers.get("location")!).searchParams.get("token")!;
}

test("a password reset refuses the address, its name part and the account's name, and keeps the old password", async () => {
  const user = await system.signUp(NAME);
  const token = await resetToken(user);
  for (const password of ownDetails(user)) {
    const refused = await system.authFetch("/api/auth/reset-password", {
      method: "POST",
      body: JSON.stringify({ token, newPassword: password }),
    });
    expect(refused.status, password).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toBe(OWN_DETAILS);
  }
  const signIn = await system.authFetch("/api/auth/sign-in/email", {
    method: "POST",
    body: JSON.stringify({ email: user.email, password: PASSWORD }),
  });
  expect(signIn.status).toBe(200);
  // The link still works for an acceptable password.
  const accepted = await system.authFetch("/api/auth/reset-password", {
    method: "POST",
    body: JSON.stringify({ token, newPassword: "an unrelated passphrase 7" }),
  });
  expect(accepted.status).toBe(200);
});

test("a password change refuses the address, its name part and the account's name", async () => {
  const user = await system.signUp(NAME);
  for (const password of ownDetails(user)) {
    const refused = await system.authFetch("/api/auth/change-password", {
      method: "POST",
      headers: { cookie: user.cookie },
      body: JSON.stringify({ currentPassword: PASSWORD, newPassword: password }),
    });
    expect(refused.status, password).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toBe(OWN_DETAILS);
  }
});

test("a sign-up refuses the address, its name part and the name given", async () => {
  const email = `alexandra-${Date.now()}@example.com`;
  for (const password of [email, email.split("@")[0]!, NAME]) {
    const refused = await system.authFetch("/api/auth/sign-up/email", {
      method: "POST",
      body: JSON.stringify({ email, password, name: NAME }),
    });
    expect(refused.status, password).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toBe(OWN_DETAILS);
  }
  expect(await system.db.user.count({ where: { email } })).toBe(0);
});
