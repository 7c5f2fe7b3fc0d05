// The audit trail: every security event this system can cause is written once, by the service where it
// happens, with who, whom, session, address and agent, and no secret in any column; the table refuses
// UPDATE, DELETE and TRUNCATE whoever asks; a user reads only their own events (the door's WHERE and the
// table's policy, each alone), an admin reads everyone's.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { AuditEventKind } from "../src/audit/audit-kinds.ts";
import { AUDIT_EVENT_KINDS } from "../src/audit/audit-kinds.ts";
import { rotateSigningKeys, revokeSigningKey } from "../src/auth/signing-keys.ts";
import { setRole } from "../src/auth/roles.ts";
import { poolOf } from "../src/db/sql-pool.ts";
import { runScoped } from "../src/db/scoped-transaction.ts";
import { errorCodes } from "./support/task-operations.ts";
import { cookiesAfter, PASSWORD, SPA_ORIGIN, startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";
import { authenticatorApp } from "./support/totp.ts";
import { assert as signWithPasskey, createCredential } from "./support/webauthn.ts";

let system: TestSystem;
let admin: TestUser;
let alice: TestUser;
let bob: TestUser;
const NEW_PASSWORD = "a brand new passphrase for alice";
/** Every secret the test handles: none may appear in any column of any row. */
const secrets: string[] = [PASSWORD, NEW_PASSWORD, "the wrong password entirely"];
/** Backup codes used or handed out (shorter than the secrets above, so scanned for on their own). */
const backupCodes: string[] = [];

interface Row {
  kind: AuditEventKind;
  actorId: string | null;
  subjectId: string | null;
  sessionId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
}

const eventsAbout = (userId: string | null, kind?: AuditEventKind) =>
  system.db.auditEvent.findMany({ where: { subjectId: userId, ...(kind ? { kind } : {}) }, orderBy: { at: "asc" } }) as Promise<Row[]>;

const post = (path: string, body: unknown, cookie?: string) =>
  system.authFetch(`/api/auth${path}`, {
    method: "POST",
    headers: cookie ? { cookie, "user-agent": "audit-test/1.0" } : { "user-agent": "audit-test/1.0" },
    body: JSON.stringify(body),
  });
const get = (path: string, cookie: string) => system.authFetch(`/api/auth${path}`, { headers: { cookie, "user-agent": "audit-test/1.0" } });

/** The session behind a browser's cookies, by its id (the `sid` of a token it is given). */
async function sessionOf(cookie: string): Promise<string> {
  const token = await system.tokenFor(cookie);
  secrets.push(token, ...cookie.split("; ").map((pair) => pair.slice(pair.indexOf("=") + 1)));
  return (JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { sid: string }).sid;
}

/** The password step of a sign-in with two-step verification on: the browser's cookies, waiting for the code. */
async function passwordStep(email: string): Promise<string> {
  const response = await post("/sign-in/email", { email, password: PASSWORD });
  expect(await response.json()).toMatchObject({ twoFactorRedirect: true });
  return cookiesAfter("", response);
}

/** [actor, session, detail] of the user's events of one kind, oldest first. */
async function entries(userId: string, kind: AuditEventKind) {
  return (await eventsAbout(userId, kind)).map((event) => [event.actorId, event.sessionId, event.detail]);
}

function remember<User extends TestUser>(user: User): User {
  secrets.push(user.token, ...user.cookie.split("; ").map((pair) => pair.slice(pair.indexOf("=") + 1)));
  return user;
}

beforeAll(async () => {
  system = await startTestSystem();
  admin = remember(await system.makeAdmin(remember(await system.signUp("Admin"))));
  alice = remember(await system.signUp("Alice"));
  bob = remember(await system.signUp("Bob"));
});
afterAll(() => system.close());

describe("each event, written once", () => {
  test("sign-up: one SIGN_UP about the new user, with address and agent (no session: none exists before the address is verified)", async () => {
    const [event, ...more] = await eventsAbout(alice.id, "SIGN_UP");
    expect(more).toEqual([]);
    expect(event).toMatchObject({ actorId: alice.id, subjectId: alice.id, sessionId: null });
    expect(event!.ipAddress).toMatch(/127\.0\.0\.1|::1/);
  });

  test("sign-in, and failed sign-ins with their class, never the typed text", async () => {
    const again = remember(await system.signIn(alice.email));
    const signIns = await eventsAbout(alice.id, "SIGN_IN");
    expect(signIns.map((event) => [event.sessionId, event.detail])).toEqual([[again.sessionId, { method: "password" }]]);

    expect((await post("/sign-in/email", { email: alice.email, password: "the wrong password entirely" })).status).toBe(401);
    const unknown = `nobody-${Date.now()}@example.com`;
    expect((await post("/sign-in/email", { email: unknown, password: "the wrong password entirely" })).status).toBe(401);
    const failures = (await system.db.auditEvent.findMany({ where: { kind: "SIGN_IN_FAILED" } })) as Row[];
    expect(failures.map((event) => [event.subjectId, event.detail])).toEqual([
      [alice.id, { reason: "invalid_credentials" }],
      [null, { reason: "invalid_credentials" }],
    ]);
    expect(JSON.stringify(failures)).not.toContain(unknown);
    expect(failures[0]!.userAgent).toBe("audit-test/1.0");
  });

  test("password changed, ending the other sessions: PASSWORD_CHANGED and a SESSION_ENDED for each", async () => {
    const other = remember(await system.signIn(alice.email));
    const response = await post(
      "/change-password",
      { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, revokeOtherSessions: true },
      alice.cookie,
    );
    expect(response.status).toBe(200);
    for (const cookie of response.headers.getSetCookie()) secrets.push(cookie.split(";")[0]!.split("=").slice(1).join("="));
    const [changed, ...more] = await eventsAbout(alice.id, "PASSWORD_CHANGED");
    expect(more).toEqual([]);
    expect(changed).toMatchObject({ actorId: alice.id, detail: { otherSessionsEnded: true } });
    const ended = await eventsAbout(alice.id, "SESSION_ENDED");
    expect(ended.map((event) => event.sessionId)).toContain(other.sessionId);
    expect(new Set(ended.map((event) => event.sessionId)).size).toBe(ended.length); // once each
    expect(ended.every((event) => event.detail.by === "password_change")).toBe(true);
  });

  test("sign-out: one SIGN_OUT for the session", async () => {
    const session = remember(await system.signIn(bob.email));
    expect((await post("/sign-out", {}, session.cookie)).status).toBe(200);
    const signOuts = await eventsAbout(bob.id, "SIGN_OUT");
    expect(signOuts.map((event) => [event.sessionId, event.actorId])).toEqual([[session.sessionId, bob.id]]);
  });

  test("revoking one's other sessions: SESSION_ENDED by the user", async () => {
    const second = remember(await system.signIn(bob.email));
    expect((await post("/revoke-other-sessions", {}, bob.cookie)).status).toBe(200);
    const ended = (await eventsAbout(bob.id, "SESSION_ENDED")).filter((event) => event.sessionId === second.sessionId);
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ actorId: bob.id, detail: { by: "user" } });
  });

  test("admin actions name the admin and the user: ban (with reason), unban, end sessions", async () => {
    const target = remember(await system.signUp("Target"));
    expect((await post("/admin/ban-user", { userId: target.id, banReason: "spam links" }, admin.cookie)).status).toBe(200);
    expect((await post("/admin/unban-user", { userId: target.id }, admin.cookie)).status).toBe(200);
    const back = remember(await system.signIn(target.email));
    expect((await post("/admin/revoke-user-sessions", { userId: target.id }, admin.cookie)).status).toBe(200);

    const events = await eventsAbout(target.id);
    const adminActions = events.filter((event) => event.kind.startsWith("USER_"));
    expect(adminActions.map((event) => [event.kind, event.actorId, event.sessionId])).toEqual([
      ["USER_BANNED", admin.id, admin.sessionId],
      ["USER_UNBANNED", admin.id, admin.sessionId],
      ["USER_SESSIONS_ENDED", admin.id, admin.sessionId],
    ]);
    expect(adminActions[0]!.detail).toMatchObject({ reason: "spam links" });
    const ended = events.filter((event) => event.kind === "SESSION_ENDED");
    expect(ended.map((event) => [event.sessionId, event.actorId, event.detail.by])).toEqual([
      [target.sessionId, admin.id, "ban"],
      [back.sessionId, admin.id, "admin"],
    ]);
  });

  test("an operator's role change and key rotation and revocation, each in the change's transaction", async () => {
    bob = remember(await system.turnOnSecondFactor(bob)); // an admin has a second factor (roles.ts)
    expect(await setRole(system.db, bob.email, "admin")).toBe("changed");
    expect(await setRole(system.db, bob.email, "user")).toBe("changed");
    expect(
      (await eventsAbout(bob.id))
        .filter((event) => event.kind.startsWith("ROLE_"))
        .map((event) => [event.kind, event.actorId, event.detail.role]),
    ).toEqual([
      ["ROLE_GRANTED", null, "admin"],
      ["ROLE_REVOKED", null, "user"],
    ]);
    await system.tokenFor(bob.cookie); // a live key to rotate
    const live = await system.db.jwks.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
    await rotateSigningKeys(system.db);
    expect(await revokeSigningKey(system.db, live.id)).toBe(true);
    const keys = (await eventsAbout(null)).filter((event) => event.kind.startsWith("KEY_"));
    expect(keys.map((event) => [event.kind, event.detail])).toEqual([
      ["KEY_ROTATED", { retiredKeys: live.id, by: "operator" }],
      ["KEY_REVOKED", { kid: live.id, by: "operator" }],
    ]);
  });

  test("password reset by mail: one PASSWORD_RESET, and a SESSION_ENDED by the reset for each session", async () => {
    const resetter = remember(await system.signUp("Resetter"));
    const since = new Date();
    expect((await post("/request-password-reset", { email: resetter.email, redirectTo: `${SPA_ORIGIN}/reset-password` })).status).toBe(200);
    const mail = await system.mailbox.waitFor(resetter.email, { since });
    const landing = new URL((await fetch(mail.links[0]!, { redirect: "manual" })).headers.get("location")!);
    const token = landing.searchParams.get("token")!;
    secrets.push(token);
    expect((await post("/reset-password", { token, newPassword: NEW_PASSWORD })).status).toBe(200);
    const events = await eventsAbout(resetter.id);
    expect(events.filter((event) => event.kind === "PASSWORD_RESET").map((event) => [event.actorId, event.detail])).toEqual([
      [resetter.id, { sessionsEnded: true }],
    ]);
    expect(events.filter((event) => event.kind === "SESSION_ENDED").map((event) => [event.sessionId, event.detail.by])).toEqual([
      [resetter.sessionId, "password_reset"],
    ]);
  });

  test("email changed through its mailed link: EMAIL_CHANGE_REQUESTED with the asking session, then EMAIL_CHANGED once; a wrong password first is a PASSWORD_CONFIRMATION_FAILED", async () => {
    const mover = remember(await system.signUp("Mover"));
    const newEmail = `moved-${Date.now()}@example.com`;
    const change = (password: string) => post("/change-email", { newEmail, callbackURL: `${SPA_ORIGIN}/account`, password }, mover.cookie);
    expect((await change("the wrong password entirely")).status).toBe(400);
    expect((await change(PASSWORD)).status).toBe(200);
    const mail = await system.mailbox.waitFor(newEmail);
    expect((await fetch(mail.links[0]!, { redirect: "manual" })).status).toBe(302);
    const events = (await eventsAbout(mover.id)).filter(
      (event) => event.kind.startsWith("EMAIL_") || event.kind === "PASSWORD_CONFIRMATION_FAILED",
    );
    expect(events.map((event) => [event.kind, event.sessionId, event.detail])).toEqual([
      ["EMAIL_VERIFIED", null, {}],
      ["PASSWORD_CONFIRMATION_FAILED", mover.sessionId, { reason: "wrong_password", endpoint: "/change-email" }],
      ["EMAIL_CHANGE_REQUESTED", mover.sessionId, {}],
      ["EMAIL_CHANGED", null, {}],
    ]);
  });

  test("the old address's undo link used: EMAIL_CHANGE_UNDONE once, and a SESSION_ENDED by it for each session", async () => {
    const undoer = remember(await system.signUp("Undoer"));
    const since = new Date();
    const newEmail = `undone-${Date.now()}@example.com`;
    expect(
      (await post("/change-email", { newEmail, callbackURL: `${SPA_ORIGIN}/account`, password: PASSWORD }, undoer.cookie)).status,
    ).toBe(200);
    const told = await system.mailbox.waitFor(undoer.email, { since });
    const token = new URL(told.links.find((link) => link.includes("/undo-email-change"))!).searchParams.get("token")!;
    secrets.push(token);
    expect((await post("/undo-email-change", { token, newPassword: NEW_PASSWORD })).status).toBe(200);
    const events = await eventsAbout(undoer.id);
    expect(events.filter((event) => event.kind === "EMAIL_CHANGE_UNDONE").map((event) => [event.actorId, event.detail])).toEqual([
      [undoer.id, { restored: false, squatterRemoved: false, passwordReplaced: true }],
    ]);
    expect(events.filter((event) => event.kind === "SESSION_ENDED").map((event) => [event.sessionId, event.detail.by])).toEqual([
      [undoer.sessionId, "email_change_undone"],
    ]);
  });

  test("account deleted: a wrong password first (PASSWORD_CONFIRMATION_FAILED), then ACCOUNT_DELETED once, by the user, and a SESSION_ENDED by the deletion", async () => {
    const leaver = remember(await system.signUp("Leaver"));
    expect((await post("/delete-user", { password: "not my password" }, leaver.cookie)).status).toBe(400);
    expect((await post("/delete-user", { password: PASSWORD }, leaver.cookie)).status).toBe(200);
    const events = await eventsAbout(leaver.id);
    expect(events.filter((event) => event.kind === "PASSWORD_CONFIRMATION_FAILED").map((event) => [event.actorId, event.detail])).toEqual([
      [leaver.id, { reason: "wrong_password", endpoint: "/delete-user" }],
    ]);
    expect(events.filter((event) => event.kind === "ACCOUNT_DELETED").map((event) => event.actorId)).toEqual([leaver.id]);
    expect(events.filter((event) => event.kind === "SESSION_ENDED").map((event) => [event.sessionId, event.detail.by])).toEqual([
      [leaver.sessionId, "account_deleted"],
    ]);
  });

  test("two-step verification turned on, used at sign-in and at step-up, codes renewed, turned off: each once, with the method, and how many backup codes remain", async () => {
    const before = remember(await system.signUp("Carol"));
    const carol = remember(await system.turnOnSecondFactor(before));
    backupCodes.push(...carol.backupCodes);
    const withCode = await passwordStep(carol.email);
    const signedInWithCode = await post("/two-factor/verify-totp", { code: await carol.authenticator() }, withCode);
    expect(signedInWithCode.status).toBe(200);
    const codeSession = await sessionOf(cookiesAfter(withCode, signedInWithCode));
    const withBackupCode = await passwordStep(carol.email);
    const signedInWithBackupCode = await post("/two-factor/verify-backup-code", { code: carol.backupCodes[0] }, withBackupCode);
    expect(signedInWithBackupCode.status).toBe(200);
    const backupCodeSession = await sessionOf(cookiesAfter(withBackupCode, signedInWithBackupCode));
    await system.stepUp(carol);
    expect((await post("/two-factor/verify-backup-code", { code: carol.backupCodes[1] }, carol.cookie)).status).toBe(200);
    const renewed = await post("/two-factor/generate-backup-codes", { password: PASSWORD }, carol.cookie);
    expect(renewed.status).toBe(200);
    const { backupCodes: newCodes } = (await renewed.json()) as { backupCodes: string[] };
    backupCodes.push(...newCodes);
    const off = await post("/two-factor/disable", { password: PASSWORD, code: newCodes[0] }, cookiesAfter(carol.cookie, renewed));
    expect(off.status).toBe(200);
    const offSession = await sessionOf(cookiesAfter(carol.cookie, off));

    const own = (sessionId: string, detail: Record<string, unknown>) => [carol.id, sessionId, detail];
    expect(await entries(carol.id, "SECOND_FACTOR_ENABLED")).toEqual([own(carol.sessionId, {})]);
    expect(await entries(carol.id, "SIGN_IN")).toEqual([
      own(codeSession, { method: "password+totp" }),
      own(backupCodeSession, { method: "password+backup_code" }),
    ]);
    expect(await entries(carol.id, "STEP_UP_VERIFIED")).toEqual([
      own(carol.sessionId, { method: "totp" }),
      own(carol.sessionId, { method: "backup_code" }),
    ]);
    expect(await entries(carol.id, "BACKUP_CODE_USED")).toEqual([
      own(backupCodeSession, { during: "sign_in", remaining: 9 }),
      own(carol.sessionId, { during: "step_up", remaining: 8 }),
    ]);
    expect(await entries(carol.id, "BACKUP_CODES_REGENERATED")).toEqual([own(carol.sessionId, { count: 10 })]);
    // Turning it off replaces the session, as turning it on did: the new one is named.
    expect(await entries(carol.id, "SECOND_FACTOR_DISABLED")).toEqual([own(offSession, { method: "backup_code" })]);
    expect(await entries(carol.id, "SIGN_IN_FAILED")).toEqual([]);
    // The sessions these ended keep their own entries, saying what ended them.
    const ended = (await eventsAbout(carol.id, "SESSION_ENDED")).map((event) => [event.sessionId, event.detail.by]);
    expect(ended).toEqual(
      expect.arrayContaining([
        [before.sessionId, "second_factor_on"],
        [codeSession, "backup_codes_renewed"],
        [backupCodeSession, "backup_codes_renewed"],
        [carol.sessionId, "second_factor_off"],
      ]),
    );
    expect(ended).toHaveLength(4);
  });

  test("wrong codes are failed sign-ins with their class and where the code was asked for, never the code; a typo while turning it on is none", async () => {
    const erin = remember(await system.signUp("Erin"));
    const enabled = await post("/two-factor/enable", { password: PASSWORD }, erin.cookie);
    const setup = (await enabled.json()) as { totpURI: string; backupCodes: string[] };
    backupCodes.push(...setup.backupCodes);
    const app = authenticatorApp(setup.totpURI);
    expect((await post("/two-factor/verify-totp", { code: "000000" }, erin.cookie)).status).toBe(401);
    const on = await post("/two-factor/verify-totp", { code: await app() }, erin.cookie);
    expect(on.status).toBe(200);
    const cookie = cookiesAfter(erin.cookie, on);
    const session = await sessionOf(cookie);

    // At the sign-in's second step: a wrong code, then a right one, then the same right one again.
    expect((await post("/two-factor/verify-totp", { code: "000000" }, await passwordStep(erin.email))).status).toBe(401);
    const code = await app();
    expect((await post("/two-factor/verify-totp", { code }, await passwordStep(erin.email))).status).toBe(200);
    expect((await post("/two-factor/verify-totp", { code }, await passwordStep(erin.email))).status).toBe(400);
    // A wrong backup code at step-up, and a wrong code to turn it off.
    expect((await post("/two-factor/verify-backup-code", { code: "AAAAA-00000" }, cookie)).status).toBe(401);
    expect((await post("/two-factor/disable", { password: PASSWORD, code: "000000" }, cookie)).status).toBe(401);
    // Five wrong codes for one password step spend it: the sixth is refused unchecked.
    const spent = await passwordStep(erin.email);
    for (let guess = 0; guess < 5; guess += 1)
      expect((await post("/two-factor/verify-totp", { code: `10000${guess}` }, spent)).status).toBe(401);
    expect((await post("/two-factor/verify-totp", { code: "100005" }, spent)).status).toBe(400);

    const atSignIn = (reason: string) => [null, null, { reason, during: "sign_in" }];
    expect(await entries(erin.id, "SIGN_IN_FAILED")).toEqual([
      atSignIn("invalid_code"),
      atSignIn("code_reused"),
      [erin.id, session, { reason: "invalid_code", during: "step_up" }],
      [erin.id, session, { reason: "invalid_code", during: "turn_off" }],
      ...Array(5).fill(atSignIn("invalid_code")),
      atSignIn("second_factor_locked"),
    ]);
    expect((await eventsAbout(erin.id, "SIGN_IN_FAILED")).every((event) => event.userAgent === "audit-test/1.0")).toBe(true);
    expect(await entries(erin.id, "SECOND_FACTOR_DISABLED")).toEqual([]);
  });

  test("a passkey added, signed in with and removed: PASSKEY_ADDED and PASSKEY_REMOVED with its id (not its name), a SIGN_IN by passkey, and a SESSION_ENDED by the removal", async () => {
    const dave = remember(await system.signUp("Dave"));
    expect((await post("/passkey/confirm-password", { password: PASSWORD }, dave.cookie)).status).toBe(200);
    const options = await get("/passkey/generate-register-options", dave.cookie);
    const { credential, response } = createCredential(await options.json(), SPA_ORIGIN);
    const registered = await post(
      "/passkey/verify-registration",
      { response, name: "Dave's secret drawer" },
      cookiesAfter(dave.cookie, options),
    );
    expect(registered.status).toBe(200);
    const passkey = await system.db.passkey.findFirstOrThrow({ where: { userId: dave.id } });

    const challenge = await get("/passkey/generate-authenticate-options", "");
    const assertion = signWithPasskey(credential, await challenge.json(), SPA_ORIGIN);
    const signedIn = await post("/passkey/verify-authentication", { response: assertion }, cookiesAfter("", challenge));
    expect(signedIn.status).toBe(200);
    const passkeySession = await sessionOf(cookiesAfter("", signedIn));
    expect((await post("/passkey/delete-passkey", { id: passkey.id }, dave.cookie)).status).toBe(200);

    expect(await entries(dave.id, "PASSKEY_ADDED")).toEqual([[dave.id, dave.sessionId, { passkeyId: passkey.id }]]);
    expect(await entries(dave.id, "SIGN_IN")).toEqual([[dave.id, passkeySession, { method: "passkey" }]]);
    expect(await entries(dave.id, "PASSKEY_REMOVED")).toEqual([[dave.id, dave.sessionId, { passkeyId: passkey.id }]]);
    expect((await eventsAbout(dave.id, "SESSION_ENDED")).map((event) => [event.sessionId, event.actorId, event.detail])).toEqual([
      [passkeySession, dave.id, { by: "passkey_removed" }],
    ]);
    expect(JSON.stringify(await eventsAbout(dave.id))).not.toContain("secret drawer");
  });

  test("every kind this system writes today was caused above", async () => {
    const written = new Set((await system.db.auditEvent.findMany({ select: { kind: true } })).map((event) => event.kind));
    expect([...written].sort()).toEqual([...AUDIT_EVENT_KINDS].sort());
  });

  test("no password, token or cookie in any column of any row", async () => {
    const rows = await system.db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM "audit_event"`);
    expect(rows.length).toBeGreaterThan(10);
    const text = JSON.stringify(rows);
    for (const secret of secrets.filter((value) => value.length >= 16)) expect(text).not.toContain(secret);
    expect(backupCodes.length).toBeGreaterThan(20);
    for (const code of backupCodes) expect(text).not.toContain(code);
  });
});

describe("append-only, enforced by the database", () => {
  for (const statement of [`UPDATE "audit_event" SET "kind" = 'SIGN_IN'`, `DELETE FROM "audit_event"`, `TRUNCATE "audit_event"`]) {
    test(statement, async () => {
      const before = await system.db.auditEvent.count();
      await expect(system.db.$executeRawUnsafe(statement)).rejects.toThrow(/append-only/);
      expect(await system.db.auditEvent.count()).toBe(before);
    });
  }
});

describe("who reads which events", () => {
  // The key revoked above signed every token so far, and bob's role change ended his: fresh ones.
  beforeAll(async () => {
    admin = remember({ ...admin, token: await system.tokenFor(admin.cookie) });
    bob = remember({ ...bob, token: await system.tokenFor(bob.cookie) });
  });

  const MY_EVENTS = "{ me { securityEvents(first: 100) { edges { node { kind subjectId actorId } } } } }";

  test("me.securityEvents: only my own events, through both walls", async () => {
    const mine = await system.graphql(MY_EVENTS, { token: bob.token });
    expect(mine.body.errors).toBeUndefined();
    const edges = (mine.body.data as { me: { securityEvents: { edges: { node: Row }[] } } }).me.securityEvents.edges;
    expect(edges.length).toBeGreaterThan(3);
    expect(edges.every(({ node }) => node.subjectId === bob.id)).toBe(true);
    expect(mine.text).not.toContain(alice.id);
  });

  test("the policy alone: a statement with no filter, run as the owner, sees only the owner's events", async () => {
    const frame = {
      name: "t_frame",
      text: "SELECT set_config('role', 'tasks_api_owner_scoped', true), set_config('app.user_id', $1, true)",
      values: [bob.id],
    };
    const { rows } = await runScoped<{ subjectId: string | null }>(poolOf(system.pool), frame, {
      name: "t_all",
      text: `SELECT "subjectId" FROM "audit_event"`,
      values: [],
    });
    expect(rows.length).toBeGreaterThan(3);
    expect(new Set(rows.map((row) => row.subjectId))).toEqual(new Set([bob.id]));
  });

  test("auditEvents: an admin reads everyone's, newest first, filtered by kind and user; others are refused", async () => {
    const query = `query ($filter: AuditEventFilter) { auditEvents(first: 100, filter: $filter) { edges { node { kind subjectId at } } } }`;
    const all = await system.graphql(query, { token: admin.token });
    const nodes = (all.body.data as { auditEvents: { edges: { node: Row & { at: string } }[] } }).auditEvents.edges.map(
      (edge) => edge.node,
    );
    expect(nodes.some((node) => node.subjectId === alice.id) && nodes.some((node) => node.subjectId === bob.id)).toBe(true);
    const times = nodes.map((node) => Date.parse(node.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const filtered = await system.graphql(query, { token: admin.token, variables: { filter: { kind: "SIGN_OUT", userId: bob.id } } });
    const only = (filtered.body.data as { auditEvents: { edges: { node: Row }[] } }).auditEvents.edges.map((edge) => edge.node);
    expect(only.map((node) => [node.kind, node.subjectId])).toEqual([["SIGN_OUT", bob.id]]);

    expect(errorCodes(await system.graphql(query, { token: bob.token }))).toEqual(["FORBIDDEN"]);
  });

  test("pages of my events visit each once; a cursor it never handed out is BAD_USER_INPUT", async () => {
    const PAGE = `query ($after: String) { me { securityEvents(first: 2, after: $after) { edges { cursor node { kind } } pageInfo { hasNextPage endCursor } } } }`;
    const total = await system.db.auditEvent.count({ where: { subjectId: bob.id } });
    let seen = 0;
    let after: string | null = null;
    for (let pages = 0; pages < 50; pages += 1) {
      const response = await system.graphql(PAGE, { token: bob.token, variables: { after } });
      const connection = (
        response.body.data as { me: { securityEvents: { edges: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } }
      ).me.securityEvents;
      seen += connection.edges.length;
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toBe(total);
    expect(errorCodes(await system.graphql(PAGE, { token: bob.token, variables: { after: "garbage" } }))).toEqual(["BAD_USER_INPUT"]);
  });
});
