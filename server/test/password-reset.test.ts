// "Forgot password?" end to end: the mail is read from the catcher (a real SMTP conversation), its link
// followed as a browser would, the new password set through the auth service. The old password stops
// working, every session of the user ends and their tokens are refused, the link works once, the answer
// for an address with no account is the same, and the policy applies to the new password.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { PASSWORD, SPA_ORIGIN, startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

const NEW_PASSWORD = "a brand new passphrase 42";
const RESET_PAGE = `${SPA_ORIGIN}/reset-password`;

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

const requestReset = (email: string) =>
  system.authFetch("/api/auth/request-password-reset", { method: "POST", body: JSON.stringify({ email, redirectTo: RESET_PAGE }) });

/** Asks for a reset, reads the mail, follows its link: the token the SPA's reset page is handed. */
async function resetTokenFor(user: TestUser): Promise<{ token: string; text: string }> {
  const since = new Date();
  expect((await requestReset(user.email)).status).toBe(200);
  const mail = await system.mailbox.waitFor(user.email, { since });
  expect(mail.subject).toBe("Reset your Tasks password");
  expect(mail.links).toHaveLength(1);
  const followed = await fetch(mail.links[0]!, { redirect: "manual" });
  expect(followed.status).toBe(302);
  const landing = new URL(followed.headers.get("location")!);
  expect(`${landing.origin}${landing.pathname}`).toBe(RESET_PAGE);
  return { token: landing.searchParams.get("token")!, text: mail.text };
}

const resetPassword = (token: string, newPassword: string) =>
  system.authFetch("/api/auth/reset-password", { method: "POST", body: JSON.stringify({ token, newPassword }) });
const signInStatus = async (email: string, password: string) =>
  (await system.authFetch("/api/auth/sign-in/email", { method: "POST", body: JSON.stringify({ email, password }) })).status;

test("the mailed link resets the password: the old one is refused, the new one works, every session and token of the user ends", async () => {
  const user = await system.signUp();
  const otherDevice = await system.signIn(user.email);
  const bystander = await system.signUp();
  expect((await system.graphql("{ me { id } }", { token: otherDevice.token })).status).toBe(200);

  const { token, text } = await resetTokenFor(user);
  expect(text).not.toContain(PASSWORD);
  expect((await resetPassword(token, NEW_PASSWORD)).status).toBe(200);

  expect(await signInStatus(user.email, PASSWORD)).toBe(401);
  expect(await signInStatus(user.email, NEW_PASSWORD)).toBe(200);
  for (const ended of [user, otherDevice]) {
    const session = await system.authFetch("/api/auth/get-session", { headers: { cookie: ended.cookie } });
    expect(await session.json()).toBeNull();
  }
  // The revocation feed reaches the API within a second.
  const deadline = Date.now() + 3_000;
  let status = 200;
  while (Date.now() < deadline && status === 200) {
    status = (await system.graphql("{ me { id } }", { token: otherDevice.token })).status;
    if (status === 200) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(status).toBe(401);
  expect((await system.graphql("{ me { id } }", { token: bystander.token })).status).toBe(200);

  const audit = await system.db.auditEvent.findMany({
    where: { subjectId: user.id, kind: { in: ["PASSWORD_RESET", "SESSION_ENDED"] } },
    select: { kind: true, detail: true },
  });
  expect(audit.filter((row) => row.kind === "PASSWORD_RESET")).toHaveLength(1);
  expect(audit.filter((row) => row.kind === "SESSION_ENDED").map((row) => (row.detail as { by: string }).by)).toEqual([
    "password_reset",
    "password_reset",
  ]);
});

test("the link works once", async () => {
  const user = await system.signUp();
  const { token } = await resetTokenFor(user);
  expect((await resetPassword(token, NEW_PASSWORD)).status).toBe(200);
  const again = await resetPassword(token, "yet another passphrase 7");
  expect(again.status).toBe(400);
  expect(((await again.json()) as { code: string }).code).toBe("INVALID_TOKEN");
  expect(await signInStatus(user.email, NEW_PASSWORD)).toBe(200);
});

test("the new password must pass the password policy; a refused one changes nothing and keeps the link usable", async () => {
  const user = await system.signUp();
  const { token } = await resetTokenFor(user);
  const common = await resetPassword(token, "password1234");
  expect(common.status).toBe(400);
  expect(((await common.json()) as { code: string }).code).toBe("PASSWORD_TOO_COMMON");
  expect(await signInStatus(user.email, PASSWORD)).toBe(200);
  expect((await resetPassword(token, NEW_PASSWORD)).status).toBe(200);
});

test("an address with no account gets the same answer, and no mail is sent", async () => {
  const user = await system.signUp();
  const known = await requestReset(user.email);
  const nobody = `nobody-${randomUUID()}@example.com`;
  const since = new Date();
  const unknown = await requestReset(nobody);
  expect([unknown.status, await unknown.text()]).toEqual([known.status, await known.text()]);
  await expect(system.mailbox.waitFor(nobody, { since, timeoutMs: 500 })).rejects.toThrow(/no mail/);
});
