// Access ends when it should, at every API instance: two API instances as separate processes on one
// PostgreSQL, the auth service over HTTP. For each way a session or a privilege ends, the affected
// tokens (already verified and cached by both instances) are refused within a second at both, and every
// other token keeps working. The propagation times are printed.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { revokeSigningKey } from "../src/auth/signing-keys.ts";
import { setRole } from "../src/auth/roles.ts";
import { startApiProcess, type ApiProcess } from "./support/api-process.ts";
import { PASSWORD, sessionCookie, startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

const ME = "{ me { id } }";
const ADMIN_STATS = "{ adminStats { users } }";
const PROPAGATION_BOUND_MS = 1_000;

let system: TestSystem;
let instances: ApiProcess[];
const propagationMs: number[] = [];
let slowest = { ms: 0, test: "" };

beforeAll(async () => {
  system = await startTestSystem();
  instances = await Promise.all([startApiProcess(system), startApiProcess(system)]);
}, 120_000);

afterAll(async () => {
  await Promise.all((instances ?? []).map((instance) => instance.stop()));
  await system?.close();
  if (propagationMs.length > 0) {
    const sorted = [...propagationMs].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(
      `Revocation propagation to both API instances over ${sorted.length} revocations: median ${median.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (${slowest.test})`,
    );
  }
});

async function call(instance: ApiProcess, token: string, query = ME): Promise<{ status: number; body: any }> {
  const response = await fetch(instance.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: await response.json() };
}

/** Both instances accept the token now (which also puts it in both verified-token caches). */
async function expectAcceptedEverywhere(token: string, userId: string): Promise<void> {
  for (const instance of instances) {
    const { status, body } = await call(instance, token);
    expect(status).toBe(200);
    expect(body.data.me.id).toBe(userId);
  }
}

/**
 * Both instances refuse the token with 401 invalid_token within the bound, counted from the moment the
 * action that ended access was answered; records how long it took.
 */
async function expectRevokedEverywhere(token: string, since: number): Promise<void> {
  await Promise.all(
    instances.map(async (instance) => {
      for (;;) {
        const { status, body } = await call(instance, token);
        if (status === 401) {
          expect(body.errors[0].extensions.code).toBe("INVALID_TOKEN");
          break;
        }
        expect(status).toBe(200);
        if (performance.now() - since > PROPAGATION_BOUND_MS) throw new Error(`still accepted after ${PROPAGATION_BOUND_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }),
  );
  const took = performance.now() - since;
  propagationMs.push(took);
  if (took > slowest.ms) slowest = { ms: took, test: expect.getState().currentTestName ?? "" };
  expect(took).toBeLessThanOrEqual(PROPAGATION_BOUND_MS);
}

async function post(path: string, cookie: string, body: unknown = {}): Promise<Response> {
  const response = await system.authFetch(path, { method: "POST", headers: { cookie }, body: JSON.stringify(body) });
  expect(response.status, `${path}: ${response.status}`).toBe(200);
  return response;
}

/** A user signed in on `devices` devices: one session (and token) each. */
async function userWithDevices(devices: number): Promise<TestUser[]> {
  const first = await system.signUp();
  const others = await Promise.all(Array.from({ length: devices - 1 }, () => system.signIn(first.email)));
  const all = [first, ...others];
  for (const device of all) await expectAcceptedEverywhere(device.token, device.id);
  return all;
}

describe("ending sessions", () => {
  test("signing out ends that session's token at both instances; the user's other session and other users keep working", async () => {
    const [laptop, phone] = await userWithDevices(2);
    const [stranger] = await userWithDevices(1);
    await post("/api/auth/sign-out", laptop!.cookie);
    const since = performance.now();
    await expectRevokedEverywhere(laptop!.token, since);
    await expectAcceptedEverywhere(phone!.token, phone!.id);
    await expectAcceptedEverywhere(stranger!.token, stranger!.id);
  });

  test("ending one listed session ends exactly that session's token", async () => {
    const [laptop, phone, tablet] = await userWithDevices(3);
    // As "Devices and sessions" does: by the session's id (the auth service maps it to the session's token).
    await post("/api/auth/revoke-session", laptop!.cookie, { token: phone!.sessionId });
    const since = performance.now();
    await expectRevokedEverywhere(phone!.token, since);
    await expectAcceptedEverywhere(laptop!.token, laptop!.id);
    await expectAcceptedEverywhere(tablet!.token, tablet!.id);
  });

  test('"sign out everywhere else" ends every other session\'s token and keeps this one', async () => {
    const [laptop, phone, tablet] = await userWithDevices(3);
    await post("/api/auth/revoke-other-sessions", laptop!.cookie);
    const since = performance.now();
    await expectRevokedEverywhere(phone!.token, since);
    await expectRevokedEverywhere(tablet!.token, since);
    await expectAcceptedEverywhere(laptop!.token, laptop!.id);
  });

  test('"sign out everywhere" ends every session\'s token, this one included', async () => {
    const [laptop, phone] = await userWithDevices(2);
    const [stranger] = await userWithDevices(1);
    await post("/api/auth/revoke-sessions", laptop!.cookie);
    const since = performance.now();
    await expectRevokedEverywhere(laptop!.token, since);
    await expectRevokedEverywhere(phone!.token, since);
    await expectAcceptedEverywhere(stranger!.token, stranger!.id);
  });

  test("a password change that signs out other devices ends their tokens; the device that changed it stays signed in", async () => {
    const [laptop, phone] = await userWithDevices(2);
    const response = await post("/api/auth/change-password", laptop!.cookie, {
      currentPassword: PASSWORD,
      newPassword: "another long passphrase here",
      revokeOtherSessions: true,
    });
    const since = performance.now();
    await expectRevokedEverywhere(phone!.token, since);
    // Better Auth replaces the changing device's session too, and hands it a new cookie at once.
    await expectRevokedEverywhere(laptop!.token, since);
    const newCookie = sessionCookie(response);
    await expectAcceptedEverywhere(await system.tokenFor(newCookie), laptop!.id);
  });
});

describe("ending a user's access", () => {
  test("a ban ends every token of the banned user at both instances; the admin and other users keep working", async () => {
    const [admin] = await userWithDevices(1);
    const adminUser = await system.makeAdmin(admin!);
    const [target, targetPhone] = await userWithDevices(2);
    const [bystander] = await userWithDevices(1);
    await post("/api/auth/admin/ban-user", adminUser.cookie, { userId: target!.id, banReason: "test" });
    const since = performance.now();
    await expectRevokedEverywhere(target!.token, since);
    await expectRevokedEverywhere(targetPhone!.token, since);
    await expectAcceptedEverywhere(adminUser.token, adminUser.id);
    await expectAcceptedEverywhere(bystander!.token, bystander!.id);
  });

  test("deleting an account ends its tokens at both instances", async () => {
    const [doomed] = await userWithDevices(1);
    const [bystander] = await userWithDevices(1);
    await system.db.user.delete({ where: { id: doomed!.id } });
    const since = performance.now();
    await expectRevokedEverywhere(doomed!.token, since);
    await expectAcceptedEverywhere(bystander!.token, bystander!.id);
  });

  test("losing the admin role ends the admin tokens at both instances; the next token works, as a plain user", async () => {
    const [member] = await userWithDevices(1);
    const admin = await system.makeAdmin(member!);
    for (const instance of instances)
      expect((await call(instance, admin.token, ADMIN_STATS)).body.data.adminStats.users).toBeGreaterThan(0);
    await setRole(system.db, admin.email, "user"); // what `pnpm admin:grant <email> --revoke` does
    const since = performance.now();
    await expectRevokedEverywhere(admin.token, since);
    const next = await system.tokenFor(admin.cookie);
    for (const instance of instances) {
      const { status, body } = await call(instance, next, ADMIN_STATS);
      expect(status).toBe(200);
      expect(body.errors[0].extensions.code).toBe("FORBIDDEN");
    }
  });

  test("gaining the admin role ends nothing: the earlier token keeps working as a user, the next one is admin", async () => {
    const [device] = await userWithDevices(1);
    // Its second factor first (an admin must have one); turning it on starts this device's new session.
    const member = await system.turnOnSecondFactor(device!);
    expect(await setRole(system.db, member.email, "admin")).toBe("changed");
    await new Promise((resolve) => setTimeout(resolve, 300)); // time for any (wrong) revocation to arrive
    await expectAcceptedEverywhere(member.token, member.id);
    const next = await system.tokenFor(member.cookie);
    for (const instance of instances) expect((await call(instance, next, ADMIN_STATS)).body.data.adminStats.users).toBeGreaterThan(0);
  });
});

describe("a leaked signing key", () => {
  test("revoking the key ends every token it signed at both instances, cached ones included; the next token is signed with a new key", async () => {
    const [alice] = await userWithDevices(1);
    const [bob] = await userWithDevices(1);
    const kid = JSON.parse(Buffer.from(alice!.token.split(".")[0]!, "base64url").toString("utf8")).kid as string;
    expect(await revokeSigningKey(system.db, kid)).toBe(true);
    const since = performance.now();
    await expectRevokedEverywhere(alice!.token, since);
    await expectRevokedEverywhere(bob!.token, since);
    const jwks = (await (await system.authFetch("/api/auth/jwks")).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).not.toContain(kid);
    const next = await system.tokenFor(alice!.cookie);
    expect(JSON.parse(Buffer.from(next.split(".")[0]!, "base64url").toString("utf8")).kid).not.toBe(kid);
    await expectAcceptedEverywhere(next, alice!.id);
  });
});

describe("instances that restart or lose their feed", () => {
  test("a revoked token stays revoked after an API instance restarts", async () => {
    const [laptop, phone] = await userWithDevices(2);
    await post("/api/auth/sign-out", laptop!.cookie);
    const since = performance.now();
    await expectRevokedEverywhere(laptop!.token, since);
    const port = Number(new URL(instances[0]!.url).port);
    await instances[0]!.stop();
    instances[0] = await startApiProcess(system, {}, port);
    expect((await call(instances[0]!, laptop!.token)).status).toBe(401);
    expect((await call(instances[0]!, phone!.token)).status).toBe(200);
  }, 60_000);

  test("a sign-out while both instances' feed connections are killed takes effect when they reconnect", async () => {
    const [laptop, phone] = await userWithDevices(2);
    const killed = await system.db.$queryRaw<{ killed: boolean }[]>`
      SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
      WHERE application_name = 'tasks-api-revocation-feed' AND datname = current_database()`;
    expect(killed.filter((row) => row.killed)).toHaveLength(2);
    await post("/api/auth/sign-out", laptop!.cookie);
    const since = performance.now();
    await expectRevokedEverywhere(laptop!.token, since);
    await expectAcceptedEverywhere(phone!.token, phone!.id);
    for (const instance of instances) expect(instance.output()).toMatch(/revocation feed connection lost/);
  });
});

describe("under load", () => {
  test("while sessions are revoked under concurrent traffic: no failed request for anyone else, every revoked token refused within 1 s", async () => {
    const kept = await Promise.all([1, 2, 3].map(async () => (await userWithDevices(1))[0]!));
    const doomed = await Promise.all([1, 2, 3].map(async () => (await userWithDevices(1))[0]!));
    const revokedAt = new Map<TestUser, number>();
    const results: { user: TestUser; startedAt: number; status: number }[] = [];
    let running = true;
    const everyone = [...kept, ...doomed];
    let next = 0;
    const worker = async () => {
      while (running) {
        const index = next++;
        const user = everyone[index % everyone.length]!;
        const startedAt = performance.now();
        const { status } = await call(instances[index % instances.length]!, user.token);
        results.push({ user, startedAt, status });
      }
    };
    const revoke = async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      for (const user of doomed) {
        await post("/api/auth/sign-out", user.cookie);
        revokedAt.set(user, performance.now());
      }
      // Long enough after the last revocation to see every revoked token refused past the bound.
      await new Promise((resolve) => setTimeout(resolve, PROPAGATION_BOUND_MS + 500));
      running = false;
    };
    await Promise.all([...Array.from({ length: 8 }, worker), revoke()]);

    const ofKept = results.filter((result) => kept.includes(result.user));
    expect(ofKept.length).toBeGreaterThan(100);
    expect(ofKept.filter((result) => result.status !== 200)).toEqual([]);
    for (const user of doomed) {
      const late = results.filter((result) => result.user === user && result.startedAt > revokedAt.get(user)! + PROPAGATION_BOUND_MS);
      expect(late.length).toBeGreaterThan(0);
      expect(late.filter((result) => result.status !== 401)).toEqual([]);
    }
    console.log(`Under load: ${results.length} requests on two instances, ${ofKept.length} for users not revoked, all 200.`);
  });
});
