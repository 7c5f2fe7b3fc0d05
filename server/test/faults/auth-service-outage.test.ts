// The auth service stopped for longer than the API's key cache lasts, with a real API process configured
// for it (API_JWKS_CACHE_MAX_AGE_MS 2 s, API_JWKS_STALE_MAX_AGE_MS 6 s), then started again on the same
// port. jwks-faults.test.ts proves the same rules on an in-process API with each bound in isolation; this
// is the whole outage against the program as deployed, with a token it has never seen on every request
// (so its cache of verified tokens cannot answer for the keys). Guaranteed: within the stale bound valid
// tokens are accepted; past it they are answered 503 AUTH_UNAVAILABLE with Retry-After, never 401 (the
// token may be fine); an invalid token is 401 throughout; the API recovers by itself when the service is back.
import { afterAll, beforeAll, expect, test } from "vitest";
import { startApiProcess, type ApiProcess } from "../support/api-process.ts";
import { startTestSystem, type TestSystem, type TestUser } from "../support/test-system.ts";

const CACHE_MAX_AGE_MS = 2_000;
const STALE_MAX_AGE_MS = 6_000;
/** Margin either side of a bound, for the figures to land clearly on one side on a loaded machine. */
const MARGIN_MS = 1_500;
/** The stale bound counts from the last successful fetch (key-set.ts), like the cache's age. */
const OUTAGE_MS = STALE_MAX_AGE_MS + 3_000;
const PAUSE_MS = 400;

let system: TestSystem;
let api: ApiProcess;
let user: TestUser;

beforeAll(async () => {
  system = await startTestSystem();
  api = await startApiProcess(system, {
    API_JWKS_CACHE_MAX_AGE_MS: String(CACHE_MAX_AGE_MS),
    API_JWKS_STALE_MAX_AGE_MS: String(STALE_MAX_AGE_MS),
    API_JWKS_TIMEOUT_MS: "500",
  });
  user = await system.signUp();
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await system?.close();
});

/**
 * Valid tokens this API has never verified, for the user's session, signed with the auth service's key in
 * this process (its HTTP port is what the outage closes). Each with an iat a second earlier than the last,
 * so no two are the same string.
 */
const fresh: string[] = [];
async function mintTokens(count: number): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < count; i += 1) {
    fresh.push(await system.signWithAuthKeys({ sub: user.id, sid: user.sessionId, role: "user", iat: now - i }));
  }
}
async function unseenToken(): Promise<string> {
  const token = fresh.shift();
  if (!token) throw new Error("no unseen token left: mint more");
  return token;
}

async function me(token: string) {
  const response = await fetch(api.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: "{ me { id } }" }),
  });
  const body = (await response.json().catch(() => ({}))) as {
    data?: { me?: { id: string } };
    errors?: { extensions?: { code?: string } }[];
  };
  const code = body.errors?.length ? String(body.errors[0]?.extensions?.code) : body.data?.me?.id === user.id ? "" : "WRONG_DATA";
  return { status: response.status, code, retryAfter: response.headers.get("retry-after") };
}

test("auth service away longer than the key cache: accepted within the stale bound, then 503 AUTH_UNAVAILABLE (never 401), recovered when back", async () => {
  // One per request of the outage, the first request's, and some for the recovery.
  await mintTokens(Math.ceil(OUTAGE_MS / PAUSE_MS) + 10);
  // The API fetches the keys now: the cache's age counts from here.
  expect(await me(await unseenToken())).toMatchObject({ status: 200, code: "" });
  const fetchedAt = Date.now();
  await system.stopAuth();
  const answers: { atMs: number; status: number; code: string; retryAfter: string | null; tampered: number }[] = [];
  try {
    while (Date.now() - fetchedAt < OUTAGE_MS) {
      const sentAt = Date.now() - fetchedAt;
      const token = await unseenToken();
      const answer = await me(token);
      // The same token with its signature broken (a string the API has never seen either): decided by the
      // keys the API holds.
      const tampered = (await me(`${token.slice(0, -4)}AAAA`)).status;
      answers.push({ atMs: sentAt, ...answer, tampered });
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  } finally {
    await system.startAuth();
  }
  const startedAt = Date.now();
  let recoveredAfterMs = -1;
  while (Date.now() - startedAt < 15_000) {
    if ((await me(fresh.length > 0 ? await unseenToken() : (await system.signIn(user.email)).token)).status === 200) {
      recoveredAfterMs = Date.now() - startedAt;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const phase = (atMs: number) => (atMs < CACHE_MAX_AGE_MS ? "fresh keys" : atMs < STALE_MAX_AGE_MS ? "stale keys" : "past stale bound");
  const table = new Map<string, number>();
  for (const answer of answers) {
    const key = `${phase(answer.atMs).padEnd(16)} valid token ${answer.status} ${answer.code || "ok"}, tampered token ${answer.tampered}`;
    table.set(key, (table.get(key) ?? 0) + 1);
  }
  const firstRefusal = answers.find((answer) => answer.status !== 200);
  console.log(
    `auth service stopped ${OUTAGE_MS} ms after the API fetched its keys (cache max age ${CACHE_MAX_AGE_MS} ms, stale bound ${STALE_MAX_AGE_MS} ms after the fetch)\n` +
      `  ${[...table].map(([key, count]) => `${key}: ${count}`).join("\n  ")}\n` +
      `  last accepted at ${answers.filter((answer) => answer.status === 200).at(-1)?.atMs ?? "-"} ms, first refused at ${firstRefusal?.atMs ?? "-"} ms after the key fetch\n` +
      `  served again ${recoveredAfterMs} ms after the auth service was back (same port)`,
  );

  // Never a 401 for a valid token, never anything but success or AUTH_UNAVAILABLE with Retry-After.
  for (const answer of answers) {
    if (answer.status === 200) expect(answer.code).toBe("");
    else expect(answer).toMatchObject({ status: 503, code: "AUTH_UNAVAILABLE", retryAfter: expect.stringMatching(/^\d+$/) });
    // A bad signature is decided by the keys the API holds: 401 while it holds them, never accepted.
    expect(answer.tampered === 401 || answer.tampered === 503, String(answer.tampered)).toBe(true);
  }
  // Accepted past the cache's age (stale keys), refused past the stale bound, and once refused, never
  // accepted again while the service was away.
  expect(answers.some((answer) => answer.status === 200 && answer.atMs > CACHE_MAX_AGE_MS + MARGIN_MS)).toBe(true);
  expect(
    answers.filter((answer) => answer.atMs > CACHE_MAX_AGE_MS + STALE_MAX_AGE_MS + MARGIN_MS).every((answer) => answer.status === 503),
  ).toBe(true);
  expect(answers.slice(answers.indexOf(firstRefusal!)).every((answer) => answer.status === 503)).toBe(true);
  expect(recoveredAfterMs).toBeGreaterThanOrEqual(0);
  expect(api.alive()).toBe(true);
}, 90_000);
