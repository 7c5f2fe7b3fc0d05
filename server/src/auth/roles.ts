import { recordSecurityEvent } from "../audit/audit-log.ts";
import type { Db } from "../db/client.ts";
import type { Role } from "../shared/role.ts";

/**
 * Operator action (`pnpm admin:grant <email>`): the only way a user becomes admin, or stops being one.
 * The change and its audit row commit together. False when no user has that email.
 */
export async function setRole(db: Db, email: string, role: Role): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email: email.toLowerCase() }, select: { id: true, role: true } });
    if (!user) return false;
    await tx.user.update({ where: { id: user.id }, data: { role } });
    await recordSecurityEvent(tx, {
      kind: role === "admin" ? "ROLE_GRANTED" : "ROLE_REVOKED",
      subjectId: user.id,
      detail: { role, previousRole: user.role ?? "user", by: "operator" },
    });
    return true;
  });
}
