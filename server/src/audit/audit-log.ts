// Writes the audit trail: one row per security event, by the service where it happens (the auth
// service's hooks, the operator's scripts), inside the caller's transaction when it passes one. Rows are
// only ever inserted (the table refuses UPDATE, DELETE and TRUNCATE). `detail` is a small object of
// classes and ids; callers never put a password, token or cookie in it (audit-trail.test.ts scans for them).
import type { Prisma } from "../generated/prisma/client.ts";
import type { Db } from "../db/client.ts";
import type { AuditEventKind } from "./audit-kinds.ts";

export interface SecurityEvent {
  kind: AuditEventKind;
  /** Who did it: the user, an admin, or null (an operator's command, an anonymous attempt). */
  actorId?: string | null;
  /** Whom it is about: the user whose account it touched, or null (a signing key). */
  subjectId?: string | null;
  sessionId?: string | null;
  ipAddress?: string | null;
  userAgent?: string | null;
  detail?: Record<string, string | number | boolean | null>;
}

const USER_AGENT_MAX = 512;

export async function recordSecurityEvent(db: Db | Prisma.TransactionClient, event: SecurityEvent): Promise<void> {
  // createMany: a plain INSERT with no RETURNING, which row-level security would check against the
  // read policies (the writer is not meant to read the trail back).
  await db.auditEvent.createMany({
    data: [
      {
        kind: event.kind,
        actorId: event.actorId ?? null,
        subjectId: event.subjectId ?? null,
        sessionId: event.sessionId ?? null,
        ipAddress: event.ipAddress ?? null,
        userAgent: event.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
        detail: event.detail ?? {},
      },
    ],
  });
}
