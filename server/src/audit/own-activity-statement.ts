// The statement behind a user's own security activity (`me { securityEvents }`), in one round trip:
// - what someone else did shows who as a kind (`actor`) and when, never their id, session, address or
//   browser: those columns are selected only for events the owner caused;
// - a run of failed sign-ins (consecutive in newest-first order, nothing else between them) is one entry
//   with its count and first and last time, so a stranger's failures cannot push a real event off a page.
// Keyset pages stay exact across runs: an entry's cursor is its oldest member, and the next page starts
// after it. A page's cost does not grow with what a stranger adds: the events that are not failures are
// found through an index without the failures, a run's ends through an index of failures alone (migration
// *_audit_owner_activity), and a run is counted in that index up to RUN_COUNT_MAX.
import type { Statement } from "../db/sql.ts";
import type { AuditEventKind } from "./audit-kinds.ts";

const GROUPED: AuditEventKind = "SIGN_IN_FAILED";

/** A run is counted up to this many, in the index alone; a longer one reads as "more than" this. */
export const RUN_COUNT_MAX = 10_000;

/**
 * Who did it, as a kind, from what each writer records (auth/audit-hooks.ts, auth/roles.ts,
 * auth/signing-keys.ts): an actor other than the account's own user is written only by the admin
 * endpoints and the sessions they end; an operator's command says `by: operator`; a failed sign-in has
 * no actor. Shared with the admin's list, which shows it beside the actor's id.
 */
export const ACTOR = `CASE
  WHEN "actorId" = "subjectId" THEN 'SELF'
  WHEN "actorId" IS NOT NULL THEN 'ADMINISTRATOR'
  WHEN "detail"->>'by' = 'operator' THEN 'OPERATOR'
  WHEN "kind" = '${GROUPED}' THEN 'ANONYMOUS'
  ELSE 'SYSTEM'
END`;

/** A column the owner sees only on events they caused themselves ($1 is the owner). */
const ownOnly = (column: string) => `CASE WHEN e."actorId" = $1 THEN e."${column}" END AS "${column}"`;

/** The failed sign-ins of stretch `s`: strictly between its upper and lower ends. */
const FAILURES_IN_STRETCH = `FROM "audit_event" AS f
    WHERE f."subjectId" = $1 AND f."kind" = '${GROUPED}'
      AND (f."at", f."id") < (s."upperAt", s."upperId") AND (f."at", f."id") > (s."lowerAt", s."lowerId")`;

/** Where a page starts when no cursor says: after every event (no event is at infinity). */
const FROM_THE_NEWEST = { at: "infinity", id: "" };

const TEXT = `
WITH "anchors" AS (
  -- The next first + 1 events that are not failed sign-ins: an entry each, and a page needs no more.
  SELECT "at", "id", row_number() OVER (ORDER BY "at" DESC, "id" DESC) AS "n"
  FROM (
    SELECT "at", "id" FROM "audit_event"
    WHERE "subjectId" = $1 AND "kind" <> '${GROUPED}' AND ("at", "id") < ($3::timestamp(3), $4::text)
    ORDER BY "at" DESC, "id" DESC LIMIT $2::int + 1
  ) AS "next"
), "stretches" AS (
  -- Where runs of failures can be: just newer than each anchor (back to the one before, or the cursor),
  -- and, when the anchors ran out before the page was full, everything older than the last.
  SELECT "n", coalesce(lag("at") OVER (ORDER BY "n"), $3::timestamp(3)) AS "upperAt",
    coalesce(lag("id") OVER (ORDER BY "n"), $4::text) AS "upperId", "at" AS "lowerAt", "id" AS "lowerId"
  FROM "anchors"
  UNION ALL
  SELECT (SELECT count(*) FROM "anchors") + 1, coalesce(last."at", $3::timestamp(3)), coalesce(last."id", $4::text),
    '-infinity'::timestamp(3), ''
  FROM (SELECT) AS "one" LEFT JOIN LATERAL (SELECT "at", "id" FROM "anchors" ORDER BY "n" DESC LIMIT 1) AS last ON true
  WHERE (SELECT count(*) FROM "anchors") <= $2::int
), "runs" AS (
  SELECT s."n", newest."id" AS "newestId", least(counted."count", ${RUN_COUNT_MAX}) AS "count",
    counted."count" > ${RUN_COUNT_MAX} AS "countCapped", oldest."at" AS "firstAt", oldest."id" AS "firstId"
  FROM "stretches" AS s
  CROSS JOIN LATERAL (SELECT f."id" ${FAILURES_IN_STRETCH} ORDER BY f."at" DESC, f."id" DESC LIMIT 1) AS newest
  CROSS JOIN LATERAL (SELECT f."at", f."id" ${FAILURES_IN_STRETCH} ORDER BY f."at" ASC, f."id" ASC LIMIT 1) AS oldest
  CROSS JOIN LATERAL (SELECT count(*)::int AS "count" FROM (SELECT ${FAILURES_IN_STRETCH} LIMIT ${RUN_COUNT_MAX + 1}) AS "member") AS counted
), "entries" AS (
  -- Newest first: each stretch's run (if any) comes before the anchor it ends at.
  SELECT "n", 0 AS "part", "newestId", "count", "countCapped", "firstAt", "firstId" FROM "runs"
  UNION ALL
  SELECT "n", 1, "id", 1, false, "at", "id" FROM "anchors"
  ORDER BY "n", "part" LIMIT $2::int + 1
)
SELECT e."id", e."at", e."kind", ${ACTOR} AS "actor",
  ${ownOnly("actorId")}, e."subjectId", ${ownOnly("sessionId")}, ${ownOnly("ipAddress")}, ${ownOnly("userAgent")}, e."detail",
  n."count", n."countCapped", n."firstAt", n."firstId"
FROM "entries" AS n JOIN "audit_event" AS e ON e."id" = n."newestId" AND e."subjectId" = $1
ORDER BY n."n", n."part"`;

/** $1 the owner, $2 the page size, $3 and $4 the cursor's time and id (where the page starts). */
export function ownActivityStatement(ownerId: string, first: number, after: { at: string; id: string } | null): Statement {
  const start = after ?? FROM_THE_NEWEST;
  return { name: "audit_own_activity", text: TEXT, values: [ownerId, first, start.at, start.id] };
}
