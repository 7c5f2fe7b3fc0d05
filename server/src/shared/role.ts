// The role vocabulary both services speak: the auth service puts it in the token, the API reads it back.
// Shared here because the two services import nothing from each other.

export type Role = "user" | "admin";

/** Anything but an explicit "admin" is a plain user: an unknown value never grants more. */
export function toRole(value: unknown): Role {
  return value === "admin" ? "admin" : "user";
}
