import { recordSecurityEvent } from "../audit/audit-log.ts";
import type { Db } from "../db/client.ts";
import type { Role } from "../shared/role.ts";

/**
 * What `setRole` did: changed it, or refused because no account has the address, its address is not
 * verified, or it has no second factor to step up with.
 */
export type RoleChange = "changed" | "no-user" | "unverified" | "no-second-factor";

/**
 * Operator action (`pnpm admin:grant <email>`): the only way a user becomes admin, or stops being one.
 * The change and its audit row commit together. Admin only for a verified address: anyone can sign up
 * with someone else's address, and the operator must not trust it until its owner has proven it is theirs.
 * Admin only with a second factor (two-step verification on, or a passkey), too: admin powers ask for a recent second factor (step-up), which
 * an account without one could never give, and a stolen password alone must not be a ban button.
 * Taking the role away needs no such proof.
 */
export async function setRole(db: Db, email: string, role: Role): Promise<RoleChange> {
  return db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({
      where: { email: email.toLowerCase() },
      select: { id: true, role: true, emailVerified: true, twoFactorEnabled: true, _count: { select: { passkeys: true } } },
    });
    if (!user) return "no-user";
    if (role === "admin" && !user.emailVerified) return "unverified";
    // An authenticator app's code, or a passkey (a passkey sign-in verifies the person: two factors).
    if (role === "admin" && !user.twoFactorEnabled && user._count.passkeys === 0) return "no-second-factor";
    await tx.user.update({ where: { id: user.id }, data: { role } });
    await recordSecurityEvent(tx, {
      kind: role === "admin" ? "ROLE_GRANTED" : "ROLE_REVOKED",
      subjectId: user.id,
      detail: { role, previousRole: user.role ?? "user", by: "operator" },
    });
    return "changed";
  });
}
