-- The second wall under the owner-scoped door (server/src/tasks/): row-level security on "task".
-- Every API statement on the table runs, inside its own transaction, as the role tasks_api_owner_scoped
-- with app.user_id set to the verified viewer's id (server/src/tasks/owner-transaction.ts). That role is
-- neither the table's owner nor allowed to bypass row-level security, so the policy holds even when the
-- connection's user is a superuser (as the embedded PostgreSQL's and CI's are). FORCE makes it hold for
-- the table's owner too. Written by hand: Prisma's schema cannot express roles or policies.

-- Roles belong to the whole server, not to one database: create them once and reuse them. Creating a
-- role needs CREATEROLE; where the migration user lacks it, an operator creates these two first.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tasks_api_owner_scoped') THEN
    CREATE ROLE "tasks_api_owner_scoped" NOLOGIN NOINHERIT NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tasks_task_statistics') THEN
    CREATE ROLE "tasks_task_statistics" NOLOGIN NOINHERIT NOBYPASSRLS;
  END IF;
END
$$;

-- The API's connection user may switch to the owner-scoped role, and hand the statistics function over.
GRANT "tasks_api_owner_scoped" TO CURRENT_USER;
GRANT "tasks_task_statistics" TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO "tasks_api_owner_scoped", "tasks_task_statistics";
GRANT SELECT, INSERT, UPDATE, DELETE ON "task" TO "tasks_api_owner_scoped";
GRANT SELECT ON "task" TO "tasks_task_statistics";

ALTER TABLE "task" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "task" FORCE ROW LEVEL SECURITY;

-- A row exists for a statement only when it is the viewer's; a write can only produce the viewer's rows.
-- No setting (a statement outside the owner transaction): no rows at all.
CREATE POLICY "task_owner" ON "task" TO "tasks_api_owner_scoped"
  USING ("userId" = current_setting('app.user_id', true))
  WITH CHECK ("userId" = current_setting('app.user_id', true));

-- Admin statistics: one number across all users, through a narrow function, never by turning the policy
-- off. The function runs as tasks_task_statistics, whose only policy lets it count.
CREATE POLICY "task_statistics" ON "task" FOR SELECT TO "tasks_task_statistics" USING (true);

CREATE FUNCTION "task_count_for_admin"() RETURNS integer
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  AS $$ SELECT count(*)::integer FROM "task" $$;
ALTER FUNCTION "task_count_for_admin"() OWNER TO "tasks_task_statistics";
REVOKE ALL ON FUNCTION "task_count_for_admin"() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "task_count_for_admin"() TO CURRENT_USER;
