-- A user's own security activity groups runs of failed sign-ins (server/src/audit/own-activity-statement.ts).
-- A stranger can add failures without end, so the page must not read them one by one to find what lies
-- between them: the events that are not failed sign-ins have an index of their own, and the failures
-- one too, in which a run is counted without reading its rows. Written by hand: Prisma's schema cannot
-- say a partial index.
CREATE INDEX "audit_event_subject_not_failed_idx" ON "audit_event"("subjectId", "at" DESC, "id" DESC)
  WHERE "kind" <> 'SIGN_IN_FAILED';
CREATE INDEX "audit_event_subject_failed_idx" ON "audit_event"("subjectId", "at" DESC, "id" DESC)
  WHERE "kind" = 'SIGN_IN_FAILED';
