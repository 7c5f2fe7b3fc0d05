import { expect, test } from "vitest";
import { describeActor, describeSecurityEvent } from "./security-activity.ts";

test("each kind in words, with the class of a failure and what ended a session", () => {
  expect(describeSecurityEvent({ kind: "SIGN_IN", detail: "{}", actor: "SELF" })).toBe("Signed in");
  expect(describeSecurityEvent({ kind: "SIGN_IN_FAILED", detail: '{"reason":"invalid_credentials"}', actor: "ANONYMOUS" })).toBe(
    "Failed sign-in attempt (wrong password)",
  );
  expect(describeSecurityEvent({ kind: "SIGN_IN_FAILED", detail: '{"reason":"something new"}', actor: "ANONYMOUS" })).toBe(
    "Failed sign-in attempt (refused)",
  );
  expect(describeSecurityEvent({ kind: "SESSION_ENDED", detail: '{"by":"ban"}', actor: "ADMINISTRATOR" })).toBe(
    "A session was ended by a ban",
  );
  expect(describeSecurityEvent({ kind: "SESSION_ENDED", detail: '{"by":"admin"}', actor: "ADMINISTRATOR" })).toBe("A session was ended");
  expect(describeSecurityEvent({ kind: "SESSION_ENDED", detail: '{"by":"user"}', actor: "SELF" })).toBe("You ended a session");
  expect(describeSecurityEvent({ kind: "USER_BANNED", detail: "not json", actor: "ADMINISTRATOR" })).toBe("Account banned");
  expect(describeSecurityEvent({ kind: "SESSION_ENDED", detail: '{"by":"email_change"}', actor: "SELF" })).toBe(
    "A session was ended by an email change",
  );
  expect(describeSecurityEvent({ kind: "EMAIL_CHANGE_UNDONE", detail: "{}", actor: "SELF" })).toBe(
    "Email change undone from the old address",
  );
  expect(describeSecurityEvent({ kind: "PASSWORD_CONFIRMATION_FAILED", detail: '{"reason":"wrong_password"}', actor: "SELF" })).toBe(
    "A wrong password was entered to change the account",
  );
});

test("a run of failed sign-ins: how many, and 'more than' when the API stopped counting", () => {
  const run = { kind: "SIGN_IN_FAILED" as const, detail: '{"reason":"invalid_credentials"}', actor: "ANONYMOUS" as const };
  expect(describeSecurityEvent({ ...run, count: 12, countCapped: false })).toBe("12 failed sign-in attempts");
  expect(describeSecurityEvent({ ...run, count: 10_000, countCapped: true })).toBe("More than 10,000 failed sign-in attempts");
  expect(describeSecurityEvent({ ...run, count: 1, countCapped: false })).toBe("Failed sign-in attempt (wrong password)");
});

test("who did it, as a kind, for what someone else did", () => {
  expect(describeActor("ADMINISTRATOR")).toBe("by an administrator");
  expect(describeActor("OPERATOR")).toBe("by an operator");
  expect(describeActor("ANONYMOUS")).toBe("by someone not signed in");
  expect(describeActor("SELF")).toBeNull(); // your own address and browser instead
  expect(describeActor("SYSTEM")).toBeNull(); // the words say it: "A session expired"
});

test("two-step verification: the sign-in's second factor, and the sessions it ends, in words", () => {
  expect(describeSecurityEvent({ kind: "SIGN_IN", detail: '{"secondFactor":"totp"}', actor: "SELF" })).toBe(
    "Signed in with a code from the authenticator app",
  );
  expect(describeSecurityEvent({ kind: "SIGN_IN", detail: '{"secondFactor":"backup_code"}', actor: "SELF" })).toBe(
    "Signed in with a backup code",
  );
  expect(describeSecurityEvent({ kind: "SIGN_IN", detail: "{}", actor: "SELF" })).toBe("Signed in");
  expect(describeSecurityEvent({ kind: "SESSION_ENDED", detail: '{"by":"second_factor_off"}', actor: "SELF" })).toBe(
    "A session was ended by turning off two-step verification",
  );
  expect(describeSecurityEvent({ kind: "SESSION_ENDED", detail: '{"by":"backup_codes_renewed"}', actor: "SELF" })).toBe(
    "A session was ended by new backup codes",
  );
});
