// GraphQL operations refused for want of a recent second factor, against the fake auth service and API at fetch: the
// person is asked once, the operation is retried once with a token issued after the code was verified.
import { describe, expect, test, vi } from "vitest";
import { createFakeBackend } from "../../test/support/fake-backend.ts";
import { AdminUsersQuery } from "../admin/admin-operations.ts";
import { type AuthFailure, callAuth } from "../auth/auth-errors.ts";
import { createStepUp } from "../auth/step-up.ts";
import { createTokenStore, tokenFetcher } from "../auth/token-store.ts";
import { createGraphQLClient } from "./client.ts";
import { describeProblem } from "./problems.ts";

const MINUTE = 60_000;

function setUp(options: { stepUpMaxAgeSeconds?: number } = {}) {
  let clock = Date.parse("2026-01-01T10:00:00Z");
  const backend = createFakeBackend({ ...options, now: () => clock });
  const ada = backend.addUser("ada@example.com");
  backend.makeAdmin(ada, { code: "123456", backupCodes: ["backup-1"] });
  backend.signInAs(ada);
  // Better Auth's client answers: the body as data, or the body with the status as the error.
  const authFetch = async (path: string, body?: unknown): Promise<{ data: { token?: string } | null; error: AuthFailure | null }> => {
    const response = await backend.fetch(
      path,
      body ? { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {},
    );
    const answer = (await response.json()) as { token?: string; code?: string; message?: string };
    return response.ok ? { data: answer, error: null } : { data: null, error: { status: response.status, ...answer } };
  };
  const tokens = createTokenStore({
    userId: ada.id,
    now: () => clock,
    fetchToken: tokenFetcher(
      async () => (await authFetch("/api/auth/token")) as { data: { token: string } | null; error: AuthFailure | null },
    ),
  });
  const stepUp = createStepUp({
    verify: async (method, code) =>
      (await callAuth(() => authFetch(`/api/auth/two-factor/${method === "totp" ? "verify-totp" : "verify-backup-code"}`, { code })))
        .problem,
    verifyWithPasskey: async () => "No passkeys here.",
    replaceToken: () => tokens.replace(),
  });
  const client = createGraphQLClient({
    tokens,
    stepUp,
    onSessionEnded: vi.fn(),
    url: "http://localhost:5173/graphql",
    fetch: backend.fetch as typeof fetch,
  });
  const listUsers = (first = 20) => client.query(AdminUsersQuery, { first }, { requestPolicy: "network-only" }).toPromise();
  /** Waits for the dialog to be asked for (the answer is held meanwhile). */
  const dialogOpen = () => vi.waitFor(() => expect(stepUp.current()).not.toBeNull());
  const adminUserRequests = () => backend.requests("/graphql").filter((request) => request.operationName === "AdminUsers");
  return { backend, stepUp, tokens, listUsers, dialogOpen, adminUserRequests, advance: (ms: number) => (clock += ms) };
}

describe("the step-up exchange", () => {
  test("a refused admin read asks for a code, then is retried once with a token issued after it, and answers", async () => {
    const { backend, stepUp, listUsers, dialogOpen, adminUserRequests } = setUp();
    const answer = listUsers();
    await dialogOpen();
    expect(await stepUp.submit("totp", "000000")).toBe("That code is not right. Enter the one your authenticator app shows now.");
    expect(await stepUp.submit("totp", "123456")).toBeNull();
    const result = await answer;

    expect(result.error).toBeUndefined();
    expect(result.data?.adminUsers?.edges.map((edge) => edge.node.email)).toEqual(["ada@example.com"]);
    const [refused, retried] = adminUserRequests();
    expect(adminUserRequests()).toHaveLength(2);
    expect(retried!.authorization).not.toBe(refused!.authorization); // not the held token again
    expect(backend.requests("/api/auth/token")).toHaveLength(2);
  });

  test("with the second factor recent, admin reads ask nothing; once it is older than the max age, they ask again", async () => {
    const { stepUp, listUsers, dialogOpen, adminUserRequests, advance } = setUp({ stepUpMaxAgeSeconds: 600 });
    const first = listUsers();
    await dialogOpen();
    await stepUp.submit("backup-code", "backup-1");
    expect((await first).error).toBeUndefined();
    advance(5 * MINUTE);
    expect((await listUsers()).error).toBeUndefined();
    expect(adminUserRequests()).toHaveLength(3); // no dialog: refused, retried, then answered at once

    advance(10 * MINUTE); // and the token renewed by then carries the old auth_time
    const later = listUsers();
    await dialogOpen();
    stepUp.cancel();
    expect(stepUpProblem((await later).error)).toBe("This needs your second step (a code or a passkey), given recently. Retry to give it.");
  });

  test("cancelled, the refusal reaches the screen and nothing is sent again", async () => {
    const { backend, stepUp, listUsers, dialogOpen, adminUserRequests } = setUp();
    const answer = listUsers();
    await dialogOpen();
    stepUp.cancel();
    const result = await answer;
    expect(result.error?.graphQLErrors[0]?.extensions?.code).toBe("INSUFFICIENT_USER_AUTHENTICATION");
    expect(adminUserRequests()).toHaveLength(1);
    expect(backend.requests("/api/auth/token")).toHaveLength(1);
  });

  test("a retried operation refused again is not held again: one dialog, one retry", async () => {
    // A max age of 0, and a second passes right after the code is verified: the retry is refused too.
    const { backend, stepUp, listUsers, dialogOpen, adminUserRequests, advance } = setUp({ stepUpMaxAgeSeconds: 0 });
    const fetchBefore = backend.fetch;
    backend.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await fetchBefore(input, init);
      if (String(input).endsWith("/two-factor/verify-totp")) advance(1000);
      return response;
    }) as typeof backend.fetch;
    const answer = listUsers();
    await dialogOpen();
    expect(await stepUp.submit("totp", "123456")).toBeNull();
    const result = await answer;
    expect(result.error?.graphQLErrors[0]?.extensions?.code).toBe("INSUFFICIENT_USER_AUTHENTICATION");
    expect(adminUserRequests()).toHaveLength(2);
    expect(stepUp.current()).toBeNull();
  });

  test("refusals of several operations at once open one dialog, and each is retried once", async () => {
    const { backend, stepUp, listUsers, dialogOpen, adminUserRequests } = setUp();
    const requested = vi.spyOn(stepUp, "request");
    const pages = [listUsers(20), listUsers(10)]; // two operations (their variables differ)
    await dialogOpen();
    await vi.waitFor(() => expect(requested).toHaveBeenCalledTimes(2)); // both refused, one dialog
    expect(await stepUp.submit("totp", "123456")).toBeNull();
    for (const page of await Promise.all(pages)) expect(page.error).toBeUndefined();
    expect(adminUserRequests()).toHaveLength(4);
    expect(backend.requests("/api/auth/two-factor/verify-totp")).toHaveLength(1);
  });
});

function stepUpProblem(error: Parameters<typeof describeProblem>[0] | undefined): string | undefined {
  return error ? describeProblem(error).message : undefined;
}
