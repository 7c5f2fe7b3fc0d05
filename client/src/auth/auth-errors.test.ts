import { expect, test } from "vitest";
import { callAuth, describeAuthFailure } from "./auth-errors.ts";

test("a locked account's 429 shows the service's message with its time; any other 429 the general one", () => {
  const locked = {
    status: 429,
    code: "TOO_MANY_FAILED_SIGN_INS",
    message: "Too many failed sign-ins for this account. Try again in 15 minutes.",
  };
  expect(describeAuthFailure(locked)).toBe("Too many failed sign-ins for this account. Try again in 15 minutes.");
  expect(describeAuthFailure({ status: 429, message: "Too many requests. Please try again later." })).toBe(
    "Too many attempts. Wait a minute, then try again.",
  );
});

test("known codes in plain words, whatever the service's own text", () => {
  expect(describeAuthFailure({ status: 401, code: "INVALID_EMAIL_OR_PASSWORD", message: "Invalid email or password" })).toBe(
    "Wrong email or password. Check both and try again.",
  );
  expect(describeAuthFailure({})).toBe("Could not reach the server. Check your connection and try again.");
});

test("a wrong re-entered password reads like the other messages; a spent budget for them gives the service's wait", () => {
  expect(describeAuthFailure({ status: 400, code: "INVALID_PASSWORD", message: "Invalid password" })).toBe(
    "That is not your current password. Check it and try again.",
  );
  const spent = { status: 429, code: "TOO_MANY_WRONG_PASSWORDS", message: "Too many wrong passwords. Try again in 15 minutes." };
  expect(describeAuthFailure(spent)).toBe("Too many wrong passwords. Try again in 15 minutes.");
});

test("every Better Auth call answers alike: its data, an error answer in words, a call that throws as the network", async () => {
  expect(await callAuth(async () => ({ data: { status: true }, error: null }))).toEqual({
    data: { status: true },
    failure: null,
    problem: null,
  });
  const refused = { status: 401, code: "INVALID_EMAIL_OR_PASSWORD", message: "Invalid email or password" };
  expect(await callAuth(async () => ({ data: null, error: refused }))).toEqual({
    data: null,
    failure: refused,
    problem: "Wrong email or password. Check both and try again.",
  });
  const offline = new TypeError("Failed to fetch");
  const unanswered = await callAuth(async () => {
    throw offline;
  });
  expect(unanswered.problem).toBe("Could not reach the server. Check your connection and try again.");
  expect(unanswered.failure?.cause).toBe(offline);
});
