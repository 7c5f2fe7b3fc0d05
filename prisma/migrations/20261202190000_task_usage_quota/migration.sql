-- What one account may store: a count of tasks and of bytes of text (title + description) per owner,
-- kept by a trigger on "task" so that every writer keeps it right (the API's door, Prisma in scripts,
-- the cascade when a user is deleted) and a quota check costs one row, not a scan of the owner's tasks.
-- The API's owner transaction (server/src/tasks/owner-transaction.ts) sets app.tasks_max and
-- app.task_text_bytes_max for its transaction; where they are set, a write that would go over them is
-- refused with SQLSTATE TQ001 and changes nothing. Writers that set no limit are counted, not limited.
-- The owner's usage row is locked by the upsert, so concurrent creates of one owner queue behind each
-- other and cannot overshoot together. Written by hand, like the row-level security beside it.

CREATE TABLE "task_usage" (
  "userId" TEXT PRIMARY KEY REFERENCES "user" ("id") ON DELETE CASCADE,
  "tasks" INTEGER NOT NULL DEFAULT 0,
  "textBytes" BIGINT NOT NULL DEFAULT 0
);
-- Nobody but the trigger (running as this table's owner) reads or writes it: no grants, and row-level
-- security with no policy for anyone else.
ALTER TABLE "task_usage" ENABLE ROW LEVEL SECURITY;

INSERT INTO "task_usage" ("userId", "tasks", "textBytes")
  SELECT "userId", count(*), coalesce(sum(octet_length("title") + octet_length("description")), 0) FROM "task" GROUP BY "userId";

CREATE FUNCTION "task_usage_keep"() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
  AS $$
DECLARE
  max_tasks integer := nullif(current_setting('app.tasks_max', true), '')::integer;
  max_bytes bigint := nullif(current_setting('app.task_text_bytes_max', true), '')::bigint;
  old_bytes bigint := 0;
  new_bytes bigint := 0;
  usage "task_usage"%ROWTYPE;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    old_bytes := octet_length(OLD."title") + octet_length(OLD."description");
    -- Not while the owner itself is being deleted (the cascade): their usage row goes with them.
    UPDATE "task_usage" SET "tasks" = "tasks" - 1, "textBytes" = "textBytes" - old_bytes
      WHERE "userId" = OLD."userId" AND EXISTS (SELECT FROM "user" WHERE "id" = OLD."userId");
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  new_bytes := octet_length(NEW."title") + octet_length(NEW."description");
  INSERT INTO "task_usage" AS current ("userId", "tasks", "textBytes") VALUES (NEW."userId", 1, new_bytes)
    ON CONFLICT ("userId") DO UPDATE SET "tasks" = current."tasks" + 1, "textBytes" = current."textBytes" + EXCLUDED."textBytes"
    RETURNING * INTO usage;
  -- Only growth is refused: an owner over a lowered limit can still shrink, complete and delete.
  IF TG_OP = 'INSERT' AND max_tasks IS NOT NULL AND usage."tasks" > max_tasks THEN
    RAISE EXCEPTION 'task quota exceeded' USING ERRCODE = 'TQ001', DETAIL = 'tasks';
  END IF;
  IF max_bytes IS NOT NULL AND new_bytes > old_bytes AND usage."textBytes" > max_bytes THEN
    RAISE EXCEPTION 'task quota exceeded' USING ERRCODE = 'TQ001', DETAIL = 'text';
  END IF;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION "task_usage_keep"() FROM PUBLIC;

CREATE TRIGGER "task_usage_keep" BEFORE INSERT OR UPDATE OF "title", "description", "userId" OR DELETE ON "task"
  FOR EACH ROW EXECUTE FUNCTION "task_usage_keep"();
