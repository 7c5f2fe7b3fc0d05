// What each API token says, decided from the database at the moment it is signed (the JWT plugin's
// definePayload, for /api/auth/token), never from what the session remembers:
//  - A banned user gets no token, even from a session that survived the ban (a sign-in racing the ban
//    inserts its session after Better Auth deleted the others; an operator may ban in SQL).
//  - The role is the user's role now.
//  - iat is the database's clock, the clock the revocation events are stamped with (their triggers), so a
//    revocation compares one clock with itself: an auth service whose clock is off changes nothing.
// The user row is read FOR SHARE, so a ban or a role change being written waits for this read or this
// read waits for its commit: a token either sees the change, or was issued before the change's event.
import { APIError } from "better-auth/api";
import type { Db } from "../db/client.ts";
import { toRole } from "../shared/role.ts";

interface Subject {
  role: string | null;
  banned: boolean;
  /** Seconds since the epoch, database time. */
  issuedAt: number;
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
             floor(extract(epoch FROM clock_timestamp()))::float8 AS "issuedAt"
      FROM "subject"`;
    if (!subject) throw new APIError("UNAUTHORIZED", { message: "No such user.", code: "USER_NOT_FOUND" });
    // Better Auth's own answer to a banned user's sign-in (admin plugin), so clients handle both alike.
    if (subject.banned) throw new APIError("FORBIDDEN", { message: "You have been banned from this application.", code: "BANNED_USER" });
    return { sid: session.id, role: toRole(subject.role), iat: subject.issuedAt };
  };
}
