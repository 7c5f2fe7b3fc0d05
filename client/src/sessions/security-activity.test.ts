import { expect, test } from "vitest";
import { describeSecurityEvent } from "./security-activity.ts";

const me = "user-1";

test("each kind in words, with the class of a failure and who ended a session", () => {
  expect(describeSecurityEvent({ kind: "SIGN_IN", detail: "{}" }, me)).toBe("Signed in");
  expect(describeSecurityEvent({ kind: "SIGN_IN_FAILED", detail: '{"reason":"invalid_credentials"}' }, me)).toBe(
    "Failed sign-in attempt (wrong password)",
  );
  expect(describeSecurityEvent({ kind: "SIGN_IN_FAILED", detail: '{"reason":"something new"}' }, me)).toBe(
    "Failed sign-in attempt (refused)",
  );
  expect(describeSecurityEvent({ kind: "SESSION_ENDED", detail: '{"by":"ban"}', actorId: "admin" }, me)).toBe(
    "A session was ended by an admin",
  );
  expect(describeSecurityEvent({ kind: "SESSION_ENDED", detail: '{"by":"user"}', actorId: me }, me)).toBe("You ended a session");
  expect(describeSecurityEvent({ kind: "USER_BANNED", detail: "not json" }, me)).toBe("Account banned by an admin");
  expect(describeSecurityEvent({ kind: "SIGN_IN_FAILED", detail: '{"reason":"invalid_credentials","at":"change_email"}' }, me)).toBe(
    "Failed sign-in attempt (wrong password, changing the email)",
  );
  expect(describeSecurityEvent({ kind: "SESSION_ENDED", detail: '{"by":"email_change"}', actorId: null }, me)).toBe(
    "A session was ended by an email change",
  );
  expect(describeSecurityEvent({ kind: "EMAIL_CHANGE_UNDONE", detail: "{}" }, me)).toBe("Email change undone from the old address");
});
