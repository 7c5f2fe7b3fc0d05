// What each API token says, decided from the database at the moment it is signed (the JWT plugin's
// definePayload, for /api/auth/token), never from what the session remembers:
//  - A banned user gets no token, even from a session that survived the ban (a sign-in racing the ban
//    inserts its session after Better Auth deleted the others; an operator may ban in SQL).
//  - The role is the user's role now.
//  - amr and auth_time say how the session was authenticated (RFC 8176 methods; when its second factor was
//    last verified, or else when the session began: second-factor.ts), for a resource server that asks
//    more before some powers (RFC 9470). A session whose methods were not recorded gets no amr.
//  - cnf.jkt binds the token to the key of the DPoP proof its request carried (dpop-binding.ts), if any.
//  - iat is the database's clock, the clock the revocation events are stamped with (their triggers), so a
//    revocation compares one clock with itself: an auth service whose clock is off changes nothing.
// The user row is read FOR SHARE, so a ban or a role change being written waits for this read or this
// read waits for its commit: a token either sees the change, or was issued before the change's event.
import { APIError } from "better-auth/api";
import type { Db } from "../db/client.ts";
import { toRole } from "../shared/role.ts";
import { currentProofKey } from "./dpop-binding.ts";

interface Subject {
  role: string | null;
  banned: boolean;
  /** Seconds since the epoch, database time. */
  issuedAt: number;
  authMethods: string | null;
  /** Seconds since the epoch: the second factor's time, or the session's start. */
  authTime: number | null;
}

export function tokenClaims(db: Db) {
  return async ({ user, session }: { user: { id: string }; session: { id: string } }) => {
    // The CTE takes the row lock first; the outer clock_timestamp() is read after it is held.
    const [subject] = await db.$queryRaw<Subject[]>`
      WITH "subject" AS MATERIALIZED (
        SELECT "role", "banned", "banExpires" FROM "user" WHERE "id" = ${user.id} FOR SHARE
      )
      SELECT "role",
             ("banned" IS TRUE AND ("banExpires" IS NULL OR "banExpires" > clock_timestamp())) AS "banned",
             floor(extract(epoch FROM clock_timestamp()))::float8 AS "issuedAt",
             "session"."authMethods",
             floor(extract(epoch FROM coalesce("session"."secondFactorAt", "session"."createdAt")))::float8 AS "authTime"
      FROM "subject" LEFT JOIN "session" ON "session"."id" = ${session.id}`;
    if (!subject) throw new APIError("UNAUTHORIZED", { message: "No such user.", code: "USER_NOT_FOUND" });
    // Better Auth's own answer to a banned user's sign-in (admin plugin), so clients handle both alike.
    if (subject.banned) throw new APIError("FORBIDDEN", { message: "You have been banned from this application.", code: "BANNED_USER" });
    const amr = subject.authMethods?.split(" ").filter(Boolean);
    const jkt = currentProofKey();
    return {
      sid: session.id,
      role: toRole(subject.role),
      iat: subject.issuedAt,
      ...(amr && amr.length > 0 ? { amr } : {}),
      ...(subject.authTime !== null ? { auth_time: subject.authTime } : {}),
      ...(jkt ? { cnf: { jkt } } : {}),
    };
  };
}
