import type { Db } from "../db/client.ts";
import type { Role } from "../shared/role.ts";

/** Operator action (`pnpm admin:grant <email>`): the only way a user becomes admin. */
export async function setRole(db: Db, email: string, role: Role): Promise<boolean> {
  const { count } = await db.user.updateMany({ where: { email: email.toLowerCase() }, data: { role } });
  return count === 1;
}
