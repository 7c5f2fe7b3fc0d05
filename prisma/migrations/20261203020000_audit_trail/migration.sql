-- The audit trail of security events: sign-ups, sign-ins and their failures, sign-outs, ended sessions,
-- password changes, role changes, bans, key rotations, every admin action. Written by the service where
-- the event happens (server/src/audit/), read by the API through row-level security.

CREATE TABLE "audit_event" (
    "id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "actorId" TEXT,
    "subjectId" TEXT,
    "sessionId" TEXT,
    "ipAddress" TEXT,
    "userAgent" TEXT,
    "detail" JSONB NOT NULL DEFAULT '{}',
    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "audit_event_subjectId_at_id_idx" ON "audit_event"("subjectId", "at" DESC, "id" DESC);
CREATE INDEX "audit_event_at_id_idx" ON "audit_event"("at" DESC, "id" DESC);

-- Append-only, whoever connects: privileges do not bind a superuser or the table's owner (the embedded
-- PostgreSQL's and CI's connection user is both), a trigger does.
CREATE FUNCTION "audit_event_append_only"() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER "audit_event_no_update_or_delete" BEFORE UPDATE OR DELETE ON "audit_event"
  FOR EACH ROW EXECUTE FUNCTION "audit_event_append_only"();
CREATE TRIGGER "audit_event_no_truncate" BEFORE TRUNCATE ON "audit_event"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_event_append_only"();

-- Reads: a user's own events through the owner-scoped role the task door already uses (app.user_id set
-- for that transaction only), every event through tasks_audit_reader for the admin's list.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tasks_audit_reader') THEN
    CREATE ROLE "tasks_audit_reader" NOLOGIN NOINHERIT NOBYPASSRLS;
  END IF;
END
$$;
GRANT "tasks_audit_reader" TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO "tasks_audit_reader";
GRANT SELECT ON "audit_event" TO "tasks_api_owner_scoped", "tasks_audit_reader";

ALTER TABLE "audit_event" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "audit_event" FORCE ROW LEVEL SECURITY;
CREATE POLICY "audit_event_append" ON "audit_event" FOR INSERT WITH CHECK (true);
CREATE POLICY "audit_event_own" ON "audit_event" FOR SELECT TO "tasks_api_owner_scoped"
  USING ("subjectId" = current_setting('app.user_id', true));
CREATE POLICY "audit_event_all" ON "audit_event" FOR SELECT TO "tasks_audit_reader" USING (true);
