// How every Task statement runs: in a transaction of its own, as the role tasks_api_owner_scoped
// with app.user_id set to the owner, both for that transaction only (set_config(..., true)), so the table's
// row-level security policy admits the owner's rows and nothing else (see the migration
// *_task_row_level_security). This is the second wall: the statements also name the owner in their
// WHERE clause (task-sql.ts), and each wall is tested without the other. The same statement sets the
// owner's quota for the usage trigger (migration *_task_usage_quota).
import type pg from "pg";
import { runScoped } from "../db/scoped-transaction.ts";
import type { Statement } from "../db/sql.ts";
import type { TaskQuota } from "./task-quota.ts";

const AS_OWNER: Omit<Statement, "values"> = {
  name: "tasks_as_owner",
  text:
    "SELECT set_config('role', 'tasks_api_owner_scoped', true), set_config('app.user_id', $1, true), " +
    "set_config('app.tasks_max', $2, true), set_config('app.task_text_bytes_max', $3, true)",
};

/** Without a quota (scripts, tests of other things), writes are counted but not limited. */
export function runAsOwner<Row extends pg.QueryResultRow>(
  pool: pg.Pool,
  ownerId: string,
  statement: Statement,
  quota?: TaskQuota,
): Promise<pg.QueryResult<Row>> {
  const frame = { ...AS_OWNER, values: [ownerId, String(quota?.maxTasks ?? ""), String(quota?.maxTextBytes ?? "")] };
  return runScoped<Row>(pool, frame, statement);
}
