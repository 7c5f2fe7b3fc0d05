// Tokens that expire during the session. The system runs with 8-second tokens and no clock tolerance at the
// API, so a token used after its expiry would be refused with a 401: the tests can tell renewal happened.
import type { Browser, Request } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import { addTask, jwtClaims, newVisitor, signIn, signUp, taskTitles, withAppInChromium, type BrowserUser } from "../support/browser.ts";

const TOKEN_SECONDS = 8;

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started), { JWT_EXPIRATION: `${TOKEN_SECONDS}s`, JWT_CLOCK_TOLERANCE_SECONDS: "0" });

interface Sent {
  path: string;
  at: number;
  authorization: string | undefined;
  status?: number;
}

/** Every /api/auth/token and /graphql request the page makes, with what it carried and got back. */
function watchRequests(user: BrowserUser) {
  const sent: Sent[] = [];
  const byRequest = new Map<Request, Sent>();
  user.page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path !== "/api/auth/token" && path !== "/graphql") return;
    const entry = { path, at: Date.now(), authorization: request.headers().authorization };
    sent.push(entry);
    byRequest.set(request, entry);
  });
  user.page.on("response", (response) => {
    const entry = byRequest.get(response.request());
    if (entry) entry.status = response.status();
  });
  return {
    tokens: () => sent.filter((entry) => entry.path === "/api/auth/token"),
    graphql: () => sent.filter((entry) => entry.path === "/graphql"),
  };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a token that expires during the session is renewed before it is used, without the user noticing", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  const requests = watchRequests(ada);
  await signUp(ada);
  await addTask(ada.page, "Before the token expires");
  expect(requests.tokens()).toHaveLength(1);
  const firstToken = requests.graphql()[0]!.authorization;
  expect(jwtClaims(firstToken).exp - jwtClaims(firstToken).iat).toBe(TOKEN_SECONDS);

  await wait((TOKEN_SECONDS + 1) * 1000); // the first token has now expired
  await addTask(ada.page, "After the token expired");

  expect(await taskTitles(ada.page)).toEqual(["After the token expired", "Before the token expires"]);
  expect(await ada.page.getByRole("alert").count()).toBe(0);
  // Renewed exactly once, before the request that needed it: the API never saw an expired token or said 401.
  expect(requests.tokens()).toHaveLength(2);
  // Live updates refetch the list and reopen their stream meanwhile: wait for every request sent so far to be
  // answered, then every answer must be a 200.
  const graphql = requests.graphql();
  await expect.poll(() => graphql.filter((entry) => entry.status === undefined).length, { timeout: 5_000 }).toBe(0);
  expect(graphql.map((entry) => entry.status)).toEqual(graphql.map(() => 200));
  for (const entry of graphql) expect(jwtClaims(entry.authorization).exp * 1000).toBeGreaterThan(entry.at);
  const lastToken = graphql.at(-1)!.authorization;
  expect(lastToken).not.toBe(firstToken);
  expect(jwtClaims(lastToken).sub).toBe(jwtClaims(firstToken).sub);
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("when renewal finds the session gone, the user lands on sign-in with a message, and what they typed is back after signing in", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  await signUp(ada);
  await ada.page.getByLabel("Title", { exact: true }).fill("An idea I must not lose");
  await ada.page.getByLabel("Description (optional)").fill("with the details");

  // The session ends behind the app's back (here: the cookie is gone, as after it expired). No click is needed:
  // at the token's expiry the API completes the live stream, and its reconnect renews the token, in vain.
  await ada.context.clearCookies();
  await ada.page.getByRole("heading", { name: "Sign in" }).waitFor({ timeout: (TOKEN_SECONDS + 3) * 1000 });
  expect(await ada.page.getByRole("alert").innerText()).toBe("You were signed out."); // the session gone before its expiry
  await ada.page.getByText("Sign in again to continue; anything you typed is kept.").waitFor();
  await signIn(ada);
  expect(await ada.page.getByLabel("Title", { exact: true }).inputValue()).toBe("An idea I must not lose");
  expect(await ada.page.getByLabel("Description (optional)").inputValue()).toBe("with the details");
  await ada.page.getByRole("button", { name: "Add task" }).click();
  await ada.page.getByRole("list", { name: "Tasks" }).getByText("An idea I must not lose").waitFor();
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});
