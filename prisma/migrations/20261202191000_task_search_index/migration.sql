-- Search (`tasks(filter: { search })`, ILIKE '%text%' on title and description) served by a trigram
-- index instead of a scan of the owner's rows.
--
-- Row-level security stands in the index's way: PostgreSQL applies a query's conditions that are not
-- LEAKPROOF (ILIKE is not) only after the policy's, so under the owner policy the planner never uses
-- the trigram index for them. The search therefore runs in task_ids_matching(), a SECURITY DEFINER
-- function whose role may read every row (a SELECT-only policy) and whose own WHERE names the owner from
-- the same transaction setting the policy uses. It returns ids only, and the API's statement uses them
-- only to narrow its own query, which still runs under the owner policy and names the owner: a wrong id
-- from the function could not show a stranger's row. Written by hand: Prisma's schema cannot say this.

-- pg_trgm ships with PostgreSQL's contrib (the embedded PostgreSQL and Debian's both have it) and is a
-- trusted extension, so a database owner may create it. Where it is missing or not allowed, search
-- still works, unindexed.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE INDEX "task_search_trgm" ON "task" USING gin ("title" gin_trgm_ops, "description" gin_trgm_ops);
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'pg_trgm could not be created (%): task search is not indexed', SQLERRM;
    END;
  ELSE
    RAISE NOTICE 'pg_trgm is not available: task search is not indexed';
  END IF;
END
$$;

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tasks_task_search') THEN
    CREATE ROLE "tasks_task_search" NOLOGIN NOINHERIT NOBYPASSRLS;
  END IF;
END
$$;
GRANT "tasks_task_search" TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO "tasks_task_search";
GRANT SELECT ON "task" TO "tasks_task_search";
CREATE POLICY "task_search" ON "task" FOR SELECT TO "tasks_task_search" USING (true);

-- The ids of the viewer's tasks whose title or description matches the ILIKE pattern. EXECUTE plans the
-- statement for the pattern it is given, so the planner can weigh the trigram index against the owner's
-- index for each search (a generic plan picked the trigram index even for two letters, a full index scan).
CREATE FUNCTION "task_ids_matching"(pattern text) RETURNS SETOF text
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public
  AS $$
BEGIN
  RETURN QUERY EXECUTE
    'SELECT "id" FROM "task" WHERE "userId" = current_setting(''app.user_id'', true) AND ("title" ILIKE $1 OR "description" ILIKE $1)'
    USING pattern;
END
$$;
ALTER FUNCTION "task_ids_matching"(text) OWNER TO "tasks_task_search";
REVOKE ALL ON FUNCTION "task_ids_matching"(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "task_ids_matching"(text) TO "tasks_api_owner_scoped";
