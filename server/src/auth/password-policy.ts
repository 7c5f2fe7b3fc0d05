// Sign-up password policy: long enough (Better Auth enforces the length), and not one of the most
// common passwords (a small bundled list, so it works offline) nor the user's own email or name.
import { readFileSync } from "node:fs";

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;

const commonPasswords = new Set(
  readFileSync(new URL("./common-passwords.txt", import.meta.url), "utf8")
    .split("\n")
    .map((line) => line.trim().toLowerCase())
    .filter((line) => line && !line.startsWith("#")),
);

/** The reason a password is refused, in words for the person typing it; null when it is acceptable. */
export function passwordProblem(password: string, user: { email?: string; name?: string } = {}): string | null {
  const normalized = password.trim().toLowerCase();
  if (commonPasswords.has(normalized)) {
    return "This password is one of the most commonly used passwords. Choose one that is harder to guess.";
  }
  const emailName = user.email?.split("@")[0]?.toLowerCase();
  if (
    (emailName && normalized === emailName) ||
    (user.email && normalized === user.email.toLowerCase()) ||
    (user.name && normalized === user.name.trim().toLowerCase())
  ) {
    return "The password must not be your email address or your name.";
  }
  return null;
}

export function commonPasswordCount(): number {
  return commonPasswords.size;
}
