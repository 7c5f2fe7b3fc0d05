// Key rotation and secret changes, with the real auth service and real keys.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { rotateSigningKeys } from "../src/auth/signing-keys.ts";
import { startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

const ME = "{ me { id } }";
const kidOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).kid as string;

test("rotating the signing key under load fails no request; old and new tokens both verify", async () => {
  const api = system.apiWith({});
  const before: TestUser[] = [];
  for (let i = 0; i < 4; i += 1) before.push(await system.signUp(`Before ${i}`));
  const tokens: { token: string; id: string }[] = before.map((user) => ({ token: user.token, id: user.id }));
  const oldKid = kidOf(tokens[0]!.token);

  let requests = 0;
  const failures: string[] = [];
  let running = true;
  const worker = async (offset: number) => {
    for (let i = offset; running; i += 1) {
      const { token, id } = tokens[i % tokens.length]!;
      const response = await system.graphql(ME, { token, api });
      requests += 1;
      if (response.body.data?.me?.id !== id) failures.push(`${response.status} ${response.text}`);
    }
  };
  const workers = Array.from({ length: 8 }, (_, index) => worker(index));

  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(await rotateSigningKeys(system.db)).toBe(1);
  // New tokens from now on are signed by a freshly minted key, and join the load at once.
  const after: TestUser[] = [];
  for (let i = 0; i < 3; i += 1) after.push(await system.signUp(`After ${i}`));
  tokens.push(...after.map((user) => ({ token: user.token, id: user.id })));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  running = false;
  await Promise.all(workers);

  const newKid = kidOf(after[0]!.token);
  expect(newKid).not.toBe(oldKid);
  expect(failures).toEqual([]);
  expect(requests).toBeGreaterThan(100);
  console.log(`rotation under load: ${requests} requests, ${failures.length} failed`);
  // Old tokens still verify after the rotation, and so do new ones.
  expect((await system.graphql(ME, { token: before[0]!.token, api })).body.data?.me?.id).toBe(before[0]!.id);
  expect((await system.graphql(ME, { token: after[0]!.token, api })).body.data?.me?.id).toBe(after[0]!.id);
  // Both keys are published; the old one until its grace period ends.
  const { keys } = (await (await system.authFetch("/api/auth/jwks")).json()) as { keys: { kid: string }[] };
  expect(keys.map((key) => key.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
});

test("after BETTER_AUTH_SECRET changes, issued tokens still verify and new tokens are signed by a new key", async () => {
  const api = system.apiWith({});
  const user = await system.signUp("Secret change");
  const oldKid = kidOf(user.token);
  expect((await system.graphql(ME, { token: user.token, api })).body.data?.me?.id).toBe(user.id);

  await system.startAuth({ secret: randomBytes(32).toString("base64url") });

  // The token issued under the old secret still verifies: its public key is still published.
  expect((await system.graphql(ME, { token: user.token, api })).body.data?.me?.id).toBe(user.id);
  expect((await system.graphql(ME, { token: user.token, api: system.apiWith({}) })).body.data?.me?.id).toBe(user.id);
  // Sessions were signed with the old secret: the old cookie no longer gets a token...
  expect((await system.authFetch("/api/auth/token", { headers: { cookie: user.cookie } })).status).toBe(401);
  // ...signing in again does, signed by a new key (the old private key cannot be decrypted any more).
  const again = await system.signIn(user.email);
  expect(kidOf(again.token)).not.toBe(oldKid);
  expect((await system.graphql(ME, { token: again.token, api })).body.data?.me?.id).toBe(user.id);
  const retired = await system.db.jwks.findUniqueOrThrow({ where: { id: oldKid } });
  expect(retired.expiresAt).not.toBeNull();
});
