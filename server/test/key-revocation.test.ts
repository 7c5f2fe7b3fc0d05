// A leaked signing key, revoked with `pnpm keys:revoke <kid>` (revokeSigningKey): the attacker holds its
// private half (read here from the jwks table and decrypted with BETTER_AUTH_SECRET, as Better Auth does)
// and signs admin tokens for a session that never existed. Two API instances: the in-process app and
// `src/api/main.ts` as a process of its own. Both have the key in their cached key set when it is revoked;
// within a second each must refuse every token it signed, whatever the header says (no kid, its own kid,
// another live key's kid), without waiting to re-fetch the JWKS, even while the JWKS cannot be fetched.
import { randomUUID } from "node:crypto";
import type { CryptoKey, JWTPayload } from "jose";
import { afterAll, beforeAll, expect, test } from "vitest";
import { revokeSigningKey } from "../src/auth/signing-keys.ts";
import { startApiProcess, type ApiProcess } from "./support/api-process.ts";
import { now, tokenForgery } from "./support/token-forgery.ts";
import { startTestSystem, type TestSystem } from "./support/test-system.ts";

const ADMIN_STATS = "{ adminStats { users } }";
const PROPAGATION_BOUND_MS = 1_000;

let system: TestSystem;
let standalone: ApiProcess;
const { realSigningKey, signExactlyWith } = tokenForgery(() => system);

beforeAll(async () => {
  system = await startTestSystem();
  standalone = await startApiProcess(system);
}, 120_000);

afterAll(async () => {
  await standalone?.stop();
  await system?.close();
});

interface Instance {
  name: string;
  call(token: string): Promise<{ status: number; body: any }>;
}

const instances: Instance[] = [
  { name: "in-process API", call: async (token) => system.graphql(ADMIN_STATS, { token }) },
  {
    name: "standalone API process",
    call: async (token) => {
      const response = await fetch(standalone.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: ADMIN_STATS }),
      });
      return { status: response.status, body: await response.json() };
    },
  },
];

const kidOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8")).kid as string;

/** What an attacker with the private key mints: admin, for a real user, in a session that never existed. */
function adminClaims(userId: string): JWTPayload {
  const t = now();
  return {
    iss: system.apiConfig.issuer,
    aud: system.apiConfig.audience,
    sub: userId,
    sid: randomUUID(),
    role: "admin",
    // Whoever holds the key can also claim a second factor just verified (step-up asks for it).
    amr: ["pwd", "otp", "mfa"],
    auth_time: t,
    iat: t,
    exp: t + 600,
  };
}

async function forgedWith(key: { kid: string; privateKey: CryptoKey }, userId: string, otherLiveKid?: string) {
  const sign = (header: Record<string, unknown>) => signExactlyWith(key.privateKey, adminClaims(userId), { alg: "EdDSA", ...header });
  return {
    "no kid": await sign({}),
    "its own kid": await sign({ kid: key.kid }),
    ...(otherLiveKid ? { "another live key's kid": await sign({ kid: otherLiveKid }) } : {}),
  };
}

async function expectAdminEverywhere(token: string): Promise<void> {
  for (const instance of instances) {
    const { status, body } = await instance.call(token);
    expect(status, instance.name).toBe(200);
    expect(body.data?.adminStats?.users, instance.name).toBeGreaterThan(0);
  }
}

/** Every instance answers 401 invalid_token to every token within the bound, counted from `since`. */
async function expectRefusedEverywhere(tokens: Record<string, string>, since: number): Promise<void> {
  await Promise.all(
    instances.flatMap((instance) =>
      Object.entries(tokens).map(async ([header, token]) => {
        for (;;) {
          const { status, body } = await instance.call(token);
          if (status === 401) {
            expect(body.errors[0].extensions.code).toBe("INVALID_TOKEN");
            return;
          }
          if (performance.now() - since > PROPAGATION_BOUND_MS) {
            throw new Error(
              `${instance.name}: the token with ${header} still answered ${status} ${JSON.stringify(body)} after ${PROPAGATION_BOUND_MS} ms`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }),
    ),
  );
  expect(performance.now() - since).toBeLessThanOrEqual(PROPAGATION_BOUND_MS + 100);
}

test("a revoked key's tokens are refused at both instances within a second: a real one, and forged ones with no kid, its kid, another live key's kid", async () => {
  const victim = await system.signUp();
  const leaked = await realSigningKey(kidOf(victim.token));
  // Both instances hold the leaked key in their cached key set, and accept what it signs.
  const before = await forgedWith(leaked, victim.id);
  await expectAdminEverywhere(before["its own kid"]);

  expect(await revokeSigningKey(system.db, leaked.kid)).toBe(true);
  const since = performance.now();
  await expectRefusedEverywhere({ ...(await forgedWith(leaked, victim.id)), "its kid (the victim's real token)": victim.token }, since);

  // The auth service signs with a new key from now on; the leaked key still signs nothing acceptable,
  // whichever kid it names, and the new key's tokens work.
  const next = await system.tokenFor(victim.cookie);
  const liveKid = kidOf(next);
  expect(liveKid).not.toBe(leaked.kid);
  for (const instance of instances) expect((await instance.call(next)).status, instance.name).toBe(200);
  await expectRefusedEverywhere(await forgedWith(leaked, victim.id, liveKid), performance.now());
});

test("while the JWKS cannot be fetched, the revocation alone takes the key out of both instances' cached key sets", async () => {
  const victim = await system.signUp();
  const leaked = await realSigningKey(kidOf(victim.token));
  await expectAdminEverywhere((await forgedWith(leaked, victim.id))["its own kid"]);

  await system.stopAuth(); // the instances keep their last good key set (API_JWKS_STALE_MAX_AGE_MS)
  try {
    expect(await revokeSigningKey(system.db, leaked.kid)).toBe(true);
    const since = performance.now();
    await expectRefusedEverywhere({ ...(await forgedWith(leaked, victim.id)), "its kid (the victim's real token)": victim.token }, since);
  } finally {
    await system.startAuth();
  }
});
