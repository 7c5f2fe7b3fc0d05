// What a user's own security activity (`me { securityEvents }`) shows of what others did to the account,
// attacked over real HTTP: an admin acting from an address and browser of their own, an anonymous
// stranger failing sign-ins with a browser string of their choosing. Each actor sends from a loopback
// address of its own (the socket is bound to it), so an address in an answer says whose it is.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { setRole } from "../src/auth/roles.ts";
import { ownActivityStatement, RUN_COUNT_MAX } from "../src/audit/own-activity-statement.ts";
import { poolOf } from "../src/db/sql-pool.ts";
import { runScoped } from "../src/db/scoped-transaction.ts";
import { requestFrom } from "./support/request-from.ts";
import { cookiesAfter, PASSWORD, SPA_ORIGIN, startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

const ADMIN_ADDRESS = "127.0.0.77";
const ADMIN_BROWSER = `admin-console/${randomUUID()}`;
const STRANGER_ADDRESS = "127.0.0.66";
/** What a stranger would pick to pass for the owner's own activity on screen. */
const STRANGER_BROWSER = "Signed in - Chrome on macOS - 127.0.0.1/1.0 (this device)";

let system: TestSystem;
let admin: TestUser;

beforeAll(async () => {
  system = await startTestSystem();
  admin = await system.makeAdmin(await system.signUp("Admin"));
});
afterAll(() => system.close());

async function authPost(path: string, body: unknown, from: { address: string; browser: string; cookie?: string }) {
  const answer = await requestFrom(`${system.authUrl}/api/auth${path}`, from.address, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      origin: SPA_ORIGIN,
      "user-agent": from.browser,
      ...(from.cookie ? { cookie: from.cookie } : {}),
    },
    body: JSON.stringify(body),
  });
  return answer.status;
}

const asAdmin = (path: string, body: unknown) =>
  authPost(path, body, { address: ADMIN_ADDRESS, browser: ADMIN_BROWSER, cookie: admin.cookie });
const failedSignIn = (email: string) =>
  authPost("/sign-in/email", { email, password: "a stranger's guess" }, { address: STRANGER_ADDRESS, browser: STRANGER_BROWSER });

const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100 - (Date.now() % 1000)));

interface Entry {
  kind: string;
  actor: string;
  count: number;
  countCapped: boolean;
  at: string;
  firstAt: string;
  actorId: string | null;
  sessionId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  detail: string;
}

async function myEvents(user: TestUser, fields: string, first = 100) {
  const response = await system.graphql(`query ($first: Int) { me { securityEvents(first: $first) { edges { node { ${fields} } } } } }`, {
    token: user.token,
    variables: { first },
  });
  expect(response.body.errors, response.text).toBeUndefined();
  const edges = (response.body.data as { me: { securityEvents: { edges: { node: Entry }[] } } }).me.securityEvents.edges;
  return { text: response.text, entries: edges.map((edge) => edge.node) };
}

describe("item 8: what others did shows who as a kind, never their identity, session, address or browser", () => {
  test("the owner's list after an admin banned, unbanned and ended sessions, and a stranger failed to sign in: no admin id, session, address or browser, no stranger's address or browser", async () => {
    const owner = await system.signUp("Owner");
    expect(await asAdmin("/admin/ban-user", { userId: owner.id, banReason: "checking" })).toBe(200);
    expect(await asAdmin("/admin/unban-user", { userId: owner.id })).toBe(200);
    await nextSecond(); // a ban ends every token issued in its second (iat has whole seconds)
    await system.signIn(owner.email);
    expect(await asAdmin("/admin/revoke-user-sessions", { userId: owner.id })).toBe(200);
    expect(await failedSignIn(owner.email)).toBe(401);
    const back = await system.signIn(owner.email);

    const { text, entries } = await myEvents(back, "kind actorId sessionId ipAddress userAgent detail");
    const kinds = entries.map((entry) => entry.kind);
    for (const kind of ["USER_BANNED", "USER_UNBANNED", "USER_SESSIONS_ENDED", "SESSION_ENDED", "SIGN_IN_FAILED"])
      expect(kinds).toContain(kind);
    for (const secret of [admin.id, admin.sessionId, ADMIN_ADDRESS, ADMIN_BROWSER, STRANGER_ADDRESS, STRANGER_BROWSER])
      expect(text).not.toContain(secret);
    const byOthers = entries.filter(
      (entry) => entry.kind.startsWith("USER_") || entry.kind === "SIGN_IN_FAILED" || entry.kind === "SESSION_ENDED",
    );
    for (const entry of byOthers) expect(entry).toMatchObject({ actorId: null, sessionId: null, ipAddress: null, userAgent: null });
    // The owner's own doings keep everything: the sign-in that made this token names its session.
    expect(entries.find((entry) => entry.kind === "SIGN_IN" && entry.sessionId === back.sessionId)).toMatchObject({
      actorId: back.id,
      ipAddress: "127.0.0.1",
    });
  });

  test("instead, each entry says who as a kind: the owner, an administrator, an operator's command, someone not signed in, the service", async () => {
    const owner = await system.signUp("Watched");
    // An operator's command (granting admin would take a second factor first: step-up.test.ts).
    expect(await setRole(system.db, owner.email, "user")).toBe("changed");
    expect(await asAdmin("/admin/revoke-user-sessions", { userId: owner.id })).toBe(200);
    expect(await failedSignIn(owner.email)).toBe(401);
    await system.signIn(owner.email);
    // A password reset by mail: the sessions it ends, it ends as the service (no one is signed in to do it).
    const since = new Date();
    expect(
      (
        await system.authFetch("/api/auth/request-password-reset", {
          method: "POST",
          body: JSON.stringify({ email: owner.email, redirectTo: `${SPA_ORIGIN}/reset-password` }),
        })
      ).status,
    ).toBe(200);
    const mail = await system.mailbox.waitFor(owner.email, { since });
    const token = new URL((await fetch(mail.links[0]!, { redirect: "manual" })).headers.get("location")!).searchParams.get("token");
    expect(
      (await system.authFetch("/api/auth/reset-password", { method: "POST", body: JSON.stringify({ token, newPassword: PASSWORD }) }))
        .status,
    ).toBe(200);
    const back = await system.signIn(owner.email);

    const { entries } = await myEvents(back, "kind actor actorId");
    expect(entries.map((entry) => [entry.kind, entry.actor, entry.actorId])).toEqual([
      ["SIGN_IN", "SELF", owner.id],
      ["PASSWORD_RESET", "SELF", owner.id],
      ["SESSION_ENDED", "SYSTEM", null],
      ["SIGN_IN", "SELF", owner.id],
      ["SIGN_IN_FAILED", "ANONYMOUS", null],
      ["USER_SESSIONS_ENDED", "ADMINISTRATOR", null],
      ["SESSION_ENDED", "ADMINISTRATOR", null],
      ["ROLE_REVOKED", "OPERATOR", null],
      ["EMAIL_VERIFIED", "SELF", owner.id],
      ["SIGN_UP", "SELF", owner.id],
    ]);
  });

  test("second factors: someone with the password but not the code is someone not signed in, without address or browser; turning it on, stepping up and a wrong code there are the owner's own", async () => {
    const owner = await system.turnOnSecondFactor(await system.signUp("Has a code"));
    // The stranger has the password: the password step, then a guessed code, from their own address and browser.
    const stranger = { address: STRANGER_ADDRESS, browser: STRANGER_BROWSER };
    const passwordStep = await requestFrom(`${system.authUrl}/api/auth/sign-in/email`, STRANGER_ADDRESS, {
      method: "POST",
      headers: { "content-type": "application/json", origin: SPA_ORIGIN, "user-agent": STRANGER_BROWSER },
      body: JSON.stringify({ email: owner.email, password: PASSWORD }),
    });
    const waiting = cookiesAfter("", {
      headers: new Headers((passwordStep.headers["set-cookie"] ?? []).map((value): [string, string] => ["set-cookie", value])),
    });
    expect(await authPost("/two-factor/verify-totp", { code: "000000" }, { ...stranger, cookie: waiting })).toBe(401);
    const back = await system.stepUp(owner);
    expect(
      await authPost("/two-factor/verify-totp", { code: "000000" }, { address: "127.0.0.1", browser: "owner", cookie: owner.cookie }),
    ).toBe(401);

    const { text, entries } = await myEvents(back, "kind actor actorId ipAddress userAgent detail");
    const shown = entries.map((entry) => [entry.kind, entry.actor, JSON.parse(entry.detail)]);
    expect(shown.slice(0, 4)).toEqual([
      ["SIGN_IN_FAILED", "SELF", { reason: "invalid_code", during: "step_up" }],
      ["STEP_UP_VERIFIED", "SELF", { method: "totp" }],
      ["SIGN_IN_FAILED", "ANONYMOUS", { reason: "invalid_code", during: "sign_in" }],
      ["SECOND_FACTOR_ENABLED", "SELF", {}],
    ]);
    expect(entries[2]).toMatchObject({ actorId: null, ipAddress: null, userAgent: null });
    expect(entries[1]).toMatchObject({ actorId: owner.id, ipAddress: "127.0.0.1" });
    for (const secret of [STRANGER_ADDRESS, STRANGER_BROWSER]) expect(text).not.toContain(secret);
  });

  test("the admin's list keeps everything: auditEvents names the admin, their session, address and browser", async () => {
    const owner = await system.signUp("Another owner");
    expect(await asAdmin("/admin/revoke-user-sessions", { userId: owner.id })).toBe(200);
    const response = await system.graphql(
      `query ($userId: ID!) { auditEvents(first: 10, filter: { kind: USER_SESSIONS_ENDED, userId: $userId }) { edges { node { actor actorId sessionId ipAddress userAgent } } } }`,
      { token: admin.token, variables: { userId: owner.id } },
    );
    expect(response.body.errors, response.text).toBeUndefined();
    const nodes = (response.body.data as { auditEvents: { edges: { node: unknown }[] } }).auditEvents.edges.map((edge) => edge.node);
    expect(nodes).toEqual([
      { actor: "ADMINISTRATOR", actorId: admin.id, sessionId: admin.sessionId, ipAddress: ADMIN_ADDRESS, userAgent: ADMIN_BROWSER },
    ]);
  });
});

describe("item 9: failed sign-ins by others cannot push a sign-in off the screen", () => {
  test("12 failed sign-ins after the owner signed in: the sign-in is still on the first page of 10", async () => {
    const owner = await system.signUp("Flooded");
    const signedIn = await system.signIn(owner.email);
    for (let attempt = 0; attempt < 12; attempt += 1) expect(await failedSignIn(owner.email)).toBe(401);

    const { entries } = await myEvents(signedIn, "kind sessionId", 10);
    expect(entries.map((entry) => entry.kind)).toContain("SIGN_IN");
    expect(entries.find((entry) => entry.kind === "SIGN_IN")?.sessionId).toBe(signedIn.sessionId);
  });

  test("failures, a sign-in, failures: two entries with their count and first and last time around the sign-in", async () => {
    const owner = await system.signUp("Interleaved");
    for (let attempt = 0; attempt < 3; attempt += 1) await failedSignIn(owner.email);
    const signedIn = await system.signIn(owner.email);
    for (let attempt = 0; attempt < 12; attempt += 1) await failedSignIn(owner.email);
    const failures = await system.db.auditEvent.findMany({
      where: { subjectId: owner.id, kind: "SIGN_IN_FAILED" },
      orderBy: [{ at: "asc" }, { id: "asc" }],
    });

    const { entries } = await myEvents(signedIn, "kind count firstAt at sessionId", 3);
    const span = (from: number, to: number) => ({ firstAt: failures[from]!.at.toISOString(), at: failures[to]!.at.toISOString() });
    expect(entries).toEqual([
      { kind: "SIGN_IN_FAILED", count: 12, ...span(3, 14), sessionId: null },
      { kind: "SIGN_IN", count: 1, firstAt: entries[1]!.at, at: entries[1]!.at, sessionId: signedIn.sessionId },
      { kind: "SIGN_IN_FAILED", count: 3, ...span(0, 2), sessionId: null },
    ]);
  });

  test("pages of any size visit every event once, and each run of failures whole: the entries are the trail's, grouped", async () => {
    const owner = await system.signUp("Paged");
    const history = [2, "sign-in", 1, "sign-in", "sign-in", 3, "sign-in", 1] as const;
    let latest = owner;
    for (const step of history) {
      if (step === "sign-in") latest = await system.signIn(owner.email);
      else for (let attempt = 0; attempt < step; attempt += 1) await failedSignIn(owner.email);
    }
    const rows = await system.db.auditEvent.findMany({ where: { subjectId: owner.id }, orderBy: [{ at: "desc" }, { id: "desc" }] });
    // The grouping, written plainly: a failed sign-in joins the entry before it when that is a run of failures.
    const expected: { id: string; kind: string; at: string; firstAt: string; count: number }[] = [];
    for (const row of rows) {
      const last = expected.at(-1);
      if (row.kind === "SIGN_IN_FAILED" && last?.kind === "SIGN_IN_FAILED")
        Object.assign(last, { firstAt: row.at.toISOString(), count: last.count + 1 });
      else expected.push({ id: row.id, kind: row.kind, at: row.at.toISOString(), firstAt: row.at.toISOString(), count: 1 });
    }
    expect(expected.filter((entry) => entry.kind === "SIGN_IN_FAILED").map((entry) => entry.count)).toEqual([1, 3, 1, 2]);

    const PAGE = `query ($first: Int, $after: String) { me { securityEvents(first: $first, after: $after) {
      edges { cursor node { id kind at firstAt count } } pageInfo { hasNextPage endCursor } } } }`;
    for (const first of [1, 2, 3, 4, 100]) {
      const seen: unknown[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 50; pages += 1) {
        const response = await system.graphql(PAGE, { token: latest.token, variables: { first, after } });
        expect(response.body.errors, response.text).toBeUndefined();
        const connection = (
          response.body.data as {
            me: { securityEvents: { edges: { cursor: string; node: unknown }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
          }
        ).me.securityEvents;
        expect(connection.edges.length).toBe(connection.pageInfo.hasNextPage ? first : Math.min(first, expected.length - seen.length));
        seen.push(...connection.edges.map((edge) => edge.node));
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(seen, `pages of ${first}`).toEqual(expected);
    }
  });

  test("a run of more failures than are counted: one entry, 'more than 10,000', exact first and last time, and the next page after its oldest; three times as many cost the page no more", async () => {
    const owner = await system.signUp("Long run");
    // Older than every other event of the account, as for an account from before the trail; the rows the
    // writer writes (audit-log.ts), in one statement rather than one by one.
    const signedUp = await system.db.auditEvent.findFirstOrThrow({ where: { subjectId: owner.id }, orderBy: { at: "asc" } });
    let oldest = signedUp.at.getTime() - 60_000;
    const addFailures = async (count: number) => {
      const start = oldest;
      const times = Array.from({ length: count }, (_, index) => new Date(start - 10 * (index + 1)));
      oldest = times.at(-1)!.getTime();
      await system.db.$executeRawUnsafe(
        `INSERT INTO "audit_event" ("id", "at", "kind", "subjectId", "ipAddress", "userAgent", "detail")
         SELECT gen_random_uuid()::text, at, 'SIGN_IN_FAILED', $1, $2, $3, '{"reason":"invalid_credentials"}' FROM unnest($4::timestamp(3)[]) AS at`,
        owner.id,
        STRANGER_ADDRESS,
        STRANGER_BROWSER,
        times.map((at) => at.toISOString().replace("T", " ").replace("Z", "")),
      );
      await system.db.$executeRawUnsafe(`VACUUM ANALYZE "audit_event"`); // as autovacuum would: the index alone answers
      return times;
    };
    const times = await addFailures(RUN_COUNT_MAX + 5);

    const PAGE = `query ($first: Int, $after: String) { me { securityEvents(first: $first, after: $after) {
      edges { node { kind count countCapped firstAt at } } pageInfo { hasNextPage endCursor } } } }`;
    const page = async (first: number, after: string | null = null) => {
      const response = await system.graphql(PAGE, { token: owner.token, variables: { first, after } });
      expect(response.body.errors, response.text).toBeUndefined();
      return (
        response.body.data as {
          me: { securityEvents: { edges: { node: Entry }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
        }
      ).me.securityEvents;
    };
    const run = {
      kind: "SIGN_IN_FAILED",
      count: RUN_COUNT_MAX,
      countCapped: true,
      firstAt: times.at(-1)!.toISOString(),
      at: times[0]!.toISOString(),
    };
    const whole = await page(10);
    expect(whole.edges.map((edge) => edge.node.kind)).toEqual(["EMAIL_VERIFIED", "SIGN_UP", "SIGN_IN_FAILED"]);
    expect(whole.edges[2]!.node).toEqual(run);
    expect(whole.pageInfo.hasNextPage).toBe(false);

    const before = await page(2);
    expect(before.pageInfo.hasNextPage).toBe(true);
    const after = await page(2, before.pageInfo.endCursor);
    expect(after.edges.map((edge) => edge.node)).toEqual([run]);
    expect(after.pageInfo.hasNextPage).toBe(false);

    // What the page's statement reads, in PostgreSQL's own count of blocks: the same with three times the run.
    const blocksRead = async () => {
      const statement = ownActivityStatement(owner.id, 10, null);
      const frame = {
        name: "t_owner",
        text: "SELECT set_config('role', 'tasks_api_owner_scoped', true), set_config('app.user_id', $1, true)",
        values: [owner.id],
      };
      const { rows } = await runScoped<{ "QUERY PLAN": [{ Plan: { "Shared Hit Blocks": number; "Shared Read Blocks": number } }] }>(
        poolOf(system.pool),
        frame,
        { name: "t_explain", text: `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.text}`, values: statement.values },
      );
      const plan = rows[0]!["QUERY PLAN"][0].Plan;
      return plan["Shared Hit Blocks"] + plan["Shared Read Blocks"];
    };
    const withOneRun = await blocksRead();
    await addFailures(2 * RUN_COUNT_MAX);
    expect((await page(10)).edges[2]!.node).toMatchObject({ count: RUN_COUNT_MAX, countCapped: true, at: run.at });
    expect(await blocksRead()).toBeLessThanOrEqual(withOneRun + 5);
  });
});
