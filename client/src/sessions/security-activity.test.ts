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

test("two-step verification: the sign-in's second factor (as rows written before the method was recorded name it), and the sessions it ends, in words", () => {
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

test("second factors in words: each kind, how a sign-in was made, backup codes left, and wrong codes by class and where", () => {
  const words = (kind: Parameters<typeof describeSecurityEvent>[0]["kind"], detail: object) =>
    describeSecurityEvent({ kind, detail: JSON.stringify(detail), actor: "SELF" });
  expect(words("SECOND_FACTOR_ENABLED", {})).toBe("Two-step verification turned on");
  expect(words("SECOND_FACTOR_DISABLED", { method: "totp" })).toBe("Two-step verification turned off");
  expect(words("SECOND_FACTOR_DISABLED", { method: "backup_code" })).toBe("Two-step verification turned off with a backup code");
  expect(words("BACKUP_CODES_REGENERATED", { count: 10 })).toBe("New backup codes made (the old ones no longer work)");
  expect(words("BACKUP_CODE_USED", { during: "sign_in", remaining: 9 })).toBe("A backup code was used to sign in: 9 codes left");
  expect(words("BACKUP_CODE_USED", { during: "step_up", remaining: 1 })).toBe("A backup code was used to confirm it was you: 1 code left");
  expect(words("BACKUP_CODE_USED", {})).toBe("A backup code was used to sign in");
  expect(words("PASSKEY_ADDED", { passkeyId: "p1" })).toBe("Passkey added");
  expect(words("PASSKEY_REMOVED", { passkeyId: "p1" })).toBe("Passkey removed");
  expect(words("STEP_UP_VERIFIED", { method: "totp" })).toBe("Confirmed it was you with your second factor");

  expect(words("SIGN_IN", { method: "password" })).toBe("Signed in");
  expect(words("SIGN_IN", { method: "password+totp" })).toBe("Signed in with a code from the authenticator app");
  expect(words("SIGN_IN", { method: "password+backup_code" })).toBe("Signed in with a backup code");
  expect(words("SIGN_IN", { method: "passkey" })).toBe("Signed in with a passkey");
  expect(words("SIGN_IN", { method: "something new" })).toBe("Signed in");

  expect(words("SIGN_IN_FAILED", { reason: "invalid_code", during: "sign_in" })).toBe("Failed sign-in attempt (wrong code)");
  expect(words("SIGN_IN_FAILED", { reason: "code_reused", during: "sign_in" })).toBe(
    "Failed sign-in attempt (a code that was already used)",
  );
  expect(words("SIGN_IN_FAILED", { reason: "second_factor_locked", during: "sign_in" })).toBe(
    "Failed sign-in attempt (too many wrong codes)",
  );
  expect(words("SIGN_IN_FAILED", { reason: "invalid_code", during: "step_up" })).toBe(
    "A code was refused when confirming it was you (wrong code)",
  );
  expect(words("SIGN_IN_FAILED", { reason: "second_factor_locked", during: "turn_off" })).toBe(
    "A code was refused when turning off two-step verification (too many wrong codes)",
  );
  expect(words("SESSION_ENDED", { by: "passkey_removed" })).toBe("A session was ended by removing a passkey");
});
