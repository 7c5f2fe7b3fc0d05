// One live refetch in the app's real urql pipeline (createGraphQLClient: document cache, auth exchange, network
// receipts, fetch) against the fake API, with the list's answers held back and released one at a time: how many
// requests a refetch sends, and which answer ends it.
import type { OperationResult } from "@urql/core";
import { afterEach, expect, test } from "vitest";
import { createFakeBackend } from "../../test/support/fake-backend.ts";
import { createTokenStore, tokenFetcher } from "../auth/token-store.ts";
import type { TasksQuery as TasksResult } from "../gql/graphql.ts";
import { createGraphQLClient } from "../graphql/client.ts";
import { TasksQuery } from "../tasks/operations.ts";
import { refetchQuery, type RefetchOutcome } from "./refetch-query.ts";

const VARIABLES = { first: 20, after: null, filter: {} };
const LIST_CONTEXT = { additionalTypenames: ["Task"] };
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

function setUp() {
  const backend = createFakeBackend();
  const user = backend.addUser("ada@example.com");
  backend.signInAs(user);
  const held: (() => void)[] = [];
  let holding = false;
  const tokens = createTokenStore({
    userId: user.id,
    fetchToken: tokenFetcher(async () => {
      const response = await backend.fetch("/api/auth/token");
      return response.ok
        ? { data: (await response.json()) as { token: string }, error: null }
        : { data: null, error: { status: response.status } };
    }),
  });
  const client = createGraphQLClient({
    tokens,
    onSessionEnded: () => {},
    url: "http://localhost:5173/graphql",
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await backend.fetch(input, init);
      // The answer is the list as it was when the request arrived; it is delivered when the test says.
      if (holding && backend.sent.at(-1)?.operationName === "Tasks") await new Promise<void>((release) => held.push(release));
      return response;
    }) as typeof fetch,
  });
  const stopped = new AbortController();
  cleanups.push(() => stopped.abort());
  const shown: string[][] = [];
  let outcome: RefetchOutcome | "pending" = "pending";
  return {
    backend,
    user,
    shown,
    hold() {
      holding = true;
    },
    held: () => held.length,
    releaseOldest: () => held.shift()?.(),
    listRequests: () => backend.requests("/graphql").filter((request) => request.operationName === "Tasks").length,
    /** The screen: its useQuery keeps the list's results coming and shows the last answer. */
    showList() {
      const { unsubscribe } = client
        .query(TasksQuery, VARIABLES, { ...LIST_CONTEXT, requestPolicy: "cache-and-network" })
        .subscribe((result: OperationResult<TasksResult>) => {
          if (result.data && !result.stale) shown.push(result.data.tasks.edges.map(({ node }) => node.title));
        });
      cleanups.push(unsubscribe);
    },
    /** Another request for the same list, as urql's cache sends after a mutation: its answer reaches every asker. */
    otherRequest() {
      void client.query(TasksQuery, VARIABLES, { ...LIST_CONTEXT, requestPolicy: "network-only" }).toPromise();
    },
    refetch() {
      void refetchQuery(client, TasksQuery, VARIABLES, LIST_CONTEXT, stopped.signal).then((result) => {
        outcome = result;
      });
    },
    outcome: () => outcome,
    stop: () => stopped.abort(),
  };
}

test("another request for the list is in flight and answered first (the storm's case): the refetch waits for its own answer and sends nothing more", async () => {
  const app = setUp();
  app.showList();
  await expect.poll(() => app.shown.length).toBe(1);
  app.hold();
  app.otherRequest(); // it reads the list before the change
  await expect.poll(() => app.held()).toBe(1);
  app.backend.createElsewhere(app.user, "Added elsewhere");
  app.refetch(); // and this one after it
  await expect.poll(() => app.held()).toBe(2);

  app.releaseOldest(); // the other request's answer, without the change
  await tick();
  expect(app.outcome()).toBe("pending");
  expect(app.held()).toBe(1); // nothing more was sent
  app.releaseOldest();
  await expect.poll(() => app.outcome()).toBe("answered");
  expect(app.shown.at(-1)).toEqual(["Added elsewhere"]);
  await tick();
  expect(app.listRequests()).toBe(3); // the first load, the other request, the refetch
});

test("urql drops the refetch while the first load is still waiting: after that answer it asks again, and the change is fetched", async () => {
  const app = setUp();
  app.hold();
  app.showList();
  await expect.poll(() => app.held()).toBe(1); // the first load read an empty list
  app.backend.createElsewhere(app.user, "Added while the list was loading");
  app.refetch();
  await tick();
  expect(app.listRequests()).toBe(1); // urql sent nothing for it

  app.releaseOldest();
  await expect.poll(() => app.held()).toBe(1); // asked again, and this time it went out
  expect(app.outcome()).toBe("pending");
  app.releaseOldest();
  await expect.poll(() => app.outcome()).toBe("answered");
  expect(app.shown).toEqual([[], ["Added while the list was loading"]]);
  expect(app.listRequests()).toBe(2);
});

test("an answer with an error ends the refetch as failed", async () => {
  const app = setUp();
  app.showList();
  await expect.poll(() => app.shown.length).toBe(1);
  app.backend.endSession(); // the API refuses the token, and renewing it finds no session
  app.backend.revokeTokens();
  app.refetch();
  await expect.poll(() => app.outcome()).toBe("failed");
});

test("stopping (the screen is gone) ends a refetch that is waiting, at once", async () => {
  const app = setUp();
  app.showList();
  await expect.poll(() => app.shown.length).toBe(1);
  app.hold();
  app.refetch();
  await expect.poll(() => app.held()).toBe(1);
  app.stop();
  await expect.poll(() => app.outcome()).toBe("stopped");
});
