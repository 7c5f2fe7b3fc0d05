-- CreateTable
CREATE TABLE "revocation_event" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "role" TEXT,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "revocation_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "revocation_event_occurredAt_idx" ON "revocation_event"("occurredAt");


-- Written by hand below this line: Prisma's schema cannot express checks, functions or triggers.
-- (prisma.config.ts runs each migration as one script, so dollar-quoted bodies work.)
ALTER TABLE "revocation_event" ADD CONSTRAINT "revocation_event_kind_check"
  CHECK ("kind" IN ('session-revoked', 'tokens-revoked', 'claims-changed', 'key-revoked'));

-- One shape for an event, used by the NOTIFY below and by the API's reads (server/src/revocation/).
-- Times as milliseconds since the epoch, so no time zone is involved anywhere.
CREATE FUNCTION "revocation_event_payload"(event "revocation_event") RETURNS json
  LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object(
      'id', event."id"::text,
      'kind', event."kind",
      'subject', event."subject",
      'role', event."role",
      'occurredAt', floor(extract(epoch FROM event."occurredAt") * 1000)::bigint
    )
  $$;

-- Every event, whoever caused it, reaches every listening API instance when its transaction commits.
CREATE FUNCTION "revocation_event_notify"() RETURNS trigger
  LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('revocation_events', "revocation_event_payload"(NEW)::text);
      RETURN NEW;
    END
  $$;

CREATE TRIGGER "revocation_event_notify" AFTER INSERT ON "revocation_event"
  FOR EACH ROW EXECUTE FUNCTION "revocation_event_notify"();

-- The writers. Triggers rather than Better Auth's hooks, because not every end passes through a hook:
-- deleting a user removes their sessions by the foreign key's cascade (Better Auth deletes the user
-- first, so its session hooks find nothing), and the operator's commands change roles and keys directly.
-- A trigger sees every path, in the same transaction as the change. clock_timestamp() is the moment of
-- the change, not of the transaction's start.
CREATE FUNCTION "revocation_on_session_delete"() RETURNS trigger
  LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO "revocation_event" ("kind", "subject", "occurredAt")
        VALUES ('session-revoked', OLD."id", clock_timestamp());
      RETURN OLD;
    END
  $$;

CREATE TRIGGER "revocation_on_session_delete" AFTER DELETE ON "session"
  FOR EACH ROW EXECUTE FUNCTION "revocation_on_session_delete"();

CREATE FUNCTION "revocation_on_user_change"() RETURNS trigger
  LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        INSERT INTO "revocation_event" ("kind", "subject", "occurredAt")
          VALUES ('tokens-revoked', OLD."id", clock_timestamp());
        RETURN OLD;
      END IF;
      IF NEW."banned" IS TRUE AND OLD."banned" IS NOT TRUE THEN
        INSERT INTO "revocation_event" ("kind", "subject", "occurredAt")
          VALUES ('tokens-revoked', NEW."id", clock_timestamp());
      END IF;
      IF NEW."role" IS DISTINCT FROM OLD."role" THEN
        -- As server/src/auth/roles.ts reads it: anything but "admin" is a plain user.
        INSERT INTO "revocation_event" ("kind", "subject", "role", "occurredAt")
          VALUES ('claims-changed', NEW."id", CASE WHEN NEW."role" = 'admin' THEN 'admin' ELSE 'user' END, clock_timestamp());
      END IF;
      RETURN NEW;
    END
  $$;

CREATE TRIGGER "revocation_on_user_change" AFTER UPDATE OF "role", "banned" OR DELETE ON "user"
  FOR EACH ROW EXECUTE FUNCTION "revocation_on_user_change"();

CREATE FUNCTION "revocation_on_key_delete"() RETURNS trigger
  LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO "revocation_event" ("kind", "subject", "occurredAt")
        VALUES ('key-revoked', OLD."id", clock_timestamp());
      RETURN OLD;
    END
  $$;

CREATE TRIGGER "revocation_on_key_delete" AFTER DELETE ON "jwks"
  FOR EACH ROW EXECUTE FUNCTION "revocation_on_key_delete"();
