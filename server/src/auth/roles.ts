import type { Db } from "../db/client.ts";

export type Role = "user" | "admin";

/** Anything but an explicit "admin" is a plain user: an unknown value never grants more. */
export function toRole(value: unknown): Role {
  return value === "admin" ? "admin" : "user";
}

/** Operator action (`pnpm admin:grant <email>`): the only way a user becomes admin. */
export async function setRole(db: Db, email: string, role: Role): Promise<boolean> {
  const { count } = await db.user.updateMany({ where: { email: email.toLowerCase() }, data: { role } });
  return count === 1;
}
