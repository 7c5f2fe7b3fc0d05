// Step-up's recognition of the refusal, its one dialog for many refused requests, and its retry-once rule.
import { CombinedError } from "@urql/core";
import { GraphQLError } from "graphql";
import { describe, expect, test, vi } from "vitest";
import { passkeySignInFor } from "./passkey-step-up.ts";
import { createStepUp, stepUpChallengeInAuthFailure, stepUpChallengeInGraphQL, withStepUp } from "./step-up.ts";

const refusal = (extensions: Record<string, unknown>) =>
  new CombinedError({ graphQLErrors: [new GraphQLError("Refused.", { extensions })] });

describe("recognising a refusal for want of a recent second factor", () => {
  test("in a GraphQL answer: the field error's code, with its maxAge", () => {
    expect(stepUpChallengeInGraphQL(refusal({ code: "INSUFFICIENT_USER_AUTHENTICATION", acrValues: "mfa", maxAge: 600 }))).toEqual({
      maxAgeSeconds: 600,
    });
    expect(stepUpChallengeInGraphQL(refusal({ code: "INSUFFICIENT_USER_AUTHENTICATION" }))).toEqual({ maxAgeSeconds: null });
  });

  test("not in other GraphQL errors, nor in a network failure or no error", () => {
    expect(stepUpChallengeInGraphQL(refusal({ code: "FORBIDDEN" }))).toBeNull();
    expect(stepUpChallengeInGraphQL(refusal({ code: "UNAUTHENTICATED" }))).toBeNull();
    expect(stepUpChallengeInGraphQL(new CombinedError({ networkError: new Error("offline") }))).toBeNull();
    expect(stepUpChallengeInGraphQL(undefined)).toBeNull();
  });

  test("in an auth service answer: the 403's code, and not a plain 403 or other failures", () => {
    const answer = { status: 403, code: "INSUFFICIENT_USER_AUTHENTICATION", message: "…", maxAge: 600 };
    expect(stepUpChallengeInAuthFailure(answer)).toEqual({ maxAgeSeconds: 600 });
    expect(stepUpChallengeInAuthFailure({ status: 403, code: "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS" })).toBeNull();
    expect(stepUpChallengeInAuthFailure({ status: 401 })).toBeNull();
    expect(stepUpChallengeInAuthFailure(null)).toBeNull();
  });
});

function setUpStepUp(rightCode = "123456", passkeyAnswers: (string | null)[] = []) {
  const order: string[] = [];
  const stepUp = createStepUp({
    verify: async (method, code) => {
      order.push(`verify ${method} ${code}`);
      return code === rightCode ? null : "That code is not right.";
    },
    verifyWithPasskey: async () => {
      order.push("passkey");
      return passkeyAnswers.shift() ?? null;
    },
    replaceToken: async () => {
      order.push("replace token");
    },
  });
  return { stepUp, order };
}

describe("the step-up dialog's state", () => {
  test("requests made while it is open share it, and all are answered once the code is right, after the token is replaced", async () => {
    const { stepUp, order } = setUpStepUp();
    const changes = vi.fn();
    stepUp.subscribe(changes);
    const first = stepUp.request({ maxAgeSeconds: 600 });
    const second = stepUp.request({ maxAgeSeconds: 600 });
    expect(stepUp.current()).toEqual({ maxAgeSeconds: 600 });
    expect(changes).toHaveBeenCalledTimes(1);

    expect(await stepUp.submit("totp", "000000")).toBe("That code is not right.");
    expect(stepUp.current()).not.toBeNull(); // still open, for another try
    expect(await stepUp.submit("totp", "123456")).toBeNull();
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(stepUp.current()).toBeNull();
    expect(order).toEqual(["verify totp 000000", "verify totp 123456", "replace token"]);
  });

  test("cancel answers every request false and closes it; the next request opens it again", async () => {
    const { stepUp } = setUpStepUp();
    const asked = stepUp.request({ maxAgeSeconds: 600 });
    stepUp.cancel();
    expect(await asked).toBe(false);
    expect(stepUp.current()).toBeNull();
    const again = stepUp.request({ maxAgeSeconds: 5 });
    expect(stepUp.current()).toEqual({ maxAgeSeconds: 5 });
    expect(await stepUp.submit("backup-code", "123456")).toBeNull();
    expect(await again).toBe(true);
  });
});

describe("stepping up with a passkey", () => {
  test("a refused passkey leaves the dialog open with the problem; an accepted one replaces the token and answers every request", async () => {
    const { stepUp, order } = setUpStepUp("123456", ["That passkey belongs to another account."]);
    const asked = stepUp.request({ maxAgeSeconds: 5 });
    expect(await stepUp.submitPasskey()).toBe("That passkey belongs to another account.");
    expect(stepUp.current()).not.toBeNull();
    expect(await stepUp.submitPasskey()).toBeNull();
    expect(await asked).toBe(true);
    expect(stepUp.current()).toBeNull();
    expect(order).toEqual(["passkey", "passkey", "replace token"]);
  });

  test("the passkey's session must be the signed-in person's: another account's is told apart, and so is no session", () => {
    expect(passkeySignInFor("ada", { data: { user: { id: "ada" } } })).toBe("same");
    expect(passkeySignInFor("ada", { data: { user: { id: "vic" } } })).toBe("other");
    expect(passkeySignInFor("ada", { data: null })).toBe("none");
    expect(passkeySignInFor("ada", {})).toBe("none");
  });
});

describe("an action retried after a step-up", () => {
  const asks = (outcome: string) => (outcome === "refused" ? { maxAgeSeconds: 600 } : null);

  test("is run once more after the person verified, and its second outcome is the answer", async () => {
    const outcomes = ["refused", "done"];
    const action = vi.fn(async () => outcomes.shift()!);
    const request = vi.fn(async () => true);
    expect(await withStepUp({ request }, action, asks)).toEqual({ outcome: "done" });
    expect(action).toHaveBeenCalledTimes(2);
    expect(request).toHaveBeenCalledTimes(1);
  });

  test("refused again, it is not retried a second time and no second dialog opens", async () => {
    const action = vi.fn(async () => "refused");
    const request = vi.fn(async () => true);
    expect(await withStepUp({ request }, action, asks)).toEqual({ outcome: "refused" });
    expect(action).toHaveBeenCalledTimes(2);
    expect(request).toHaveBeenCalledTimes(1);
  });

  test("cancelled, it is not run again", async () => {
    const action = vi.fn(async () => "refused");
    expect(await withStepUp({ request: async () => false }, action, asks)).toEqual({ cancelled: true });
    expect(action).toHaveBeenCalledTimes(1);
  });

  test("an outcome that asks for nothing asks no one", async () => {
    const request = vi.fn(async () => true);
    expect(await withStepUp({ request }, async () => "done", asks)).toEqual({ outcome: "done" });
    expect(request).not.toHaveBeenCalled();
  });
});
