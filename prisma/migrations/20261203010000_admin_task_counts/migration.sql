-- The admin screen's task counts: how many tasks each listed user has, one number per user, never a
-- row. Like task_count_for_admin(), a narrow SECURITY DEFINER function owned by tasks_task_statistics
-- (whose only policy on "task" lets it read for counting), so row-level security stays on for everything
-- else. The API calls it through the task door (server/src/tasks/task-sql.ts), once per page of users.
CREATE FUNCTION "task_counts_for_admin"("user_ids" text[]) RETURNS TABLE ("userId" text, "tasks" integer)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  AS $$
    SELECT "task"."userId", count(*)::integer FROM "task"
    WHERE "task"."userId" = ANY ("user_ids")
    GROUP BY "task"."userId"
  $$;
ALTER FUNCTION "task_counts_for_admin"(text[]) OWNER TO "tasks_task_statistics";
REVOKE ALL ON FUNCTION "task_counts_for_admin"(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "task_counts_for_admin"(text[]) TO CURRENT_USER;
