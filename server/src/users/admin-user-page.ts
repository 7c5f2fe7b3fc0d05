// The admin screen's list of users, newest sign-up first, a page at a time. Keyset cursors like the
// task list's: a cursor carries the sign-up time and id of a row the admin was shown, checked before any
// SQL. What a row holds is account metadata only; task counts come from the task door (never contents).
import { InvalidCursorError, isCursorTime, isStoredText, readCursorArray } from "../shared/cursor-values.ts";
import { utc, type Statement } from "../db/sql.ts";

export interface AdminUserRow {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
  createdAt: Date;
  banned: boolean;
  banReason: string | null;
  /** The most recent activity of any of the user's sessions; null when none is left. */
  lastActiveAt: Date | null;
}

interface Position {
  createdAt: string;
  id: string;
}

const CURSOR_KIND = "users";
const MAX_ID_LENGTH = 64;

export function encodeAdminUserCursor(row: Pick<AdminUserRow, "createdAt" | "id">): string {
  return Buffer.from(JSON.stringify([CURSOR_KIND, row.createdAt.toISOString(), row.id])).toString("base64url");
}

export function decodeAdminUserCursor(cursor: string): Position {
  const [kind, createdAt, id] = readCursorArray(cursor, 3) ?? [];
  if (kind !== CURSOR_KIND || typeof createdAt !== "string" || !isCursorTime(createdAt)) throw new InvalidCursorError();
  if (typeof id !== "string" || !isStoredText(id, MAX_ID_LENGTH)) throw new InvalidCursorError();
  return { createdAt, id };
}

const SELECT = `SELECT u."id", u."name", u."email", u."emailVerified", u."createdAt",
  coalesce(u."banned", false) AS "banned", u."banReason",
  (SELECT max(s."updatedAt") FROM "session" s WHERE s."userId" = u."id") AS "lastActiveAt"
  FROM "user" u`;
const ORDER = `ORDER BY u."createdAt" DESC, u."id" DESC`;

/** One more row than asked for: its presence is hasNextPage. */
export function adminUserPageStatement(first: number, after: Position | null): Statement {
  return after
    ? {
        name: "admin_users_after",
        text: `${SELECT} WHERE (u."createdAt", u."id") < ($1::timestamp(3), $2) ${ORDER} LIMIT $3`,
        values: [utc(new Date(after.createdAt)), after.id, first + 1],
      }
    : { name: "admin_users_first", text: `${SELECT} ${ORDER} LIMIT $1`, values: [first + 1] };
}
