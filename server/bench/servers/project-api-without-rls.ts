// The project's API with its second wall taken down, only to show what the wall costs: the same app and
// settings as project-api.ts, but each Task statement reaches PostgreSQL alone, as before row-level
// security, instead of inside owner-transaction.ts's BEGIN / set role and app.user_id / statement /
// COMMIT. The benchmark connects as a superuser, so without the role switch the policy is not applied.
// The owner filter in every statement (the door) still isolates; the correctness gate checks the answers.
// Nothing in src/ can do this: the wrapping happens here, on the pool, in the benchmark's own process.
import type pg from "pg";
import { poolOf } from "../../src/db/sql-pool.ts";
import { startProjectApi } from "./project-api.ts";
import { serve } from "./child-runtime.ts";

/** What owner-transaction.ts sends around each statement; everything else goes through untouched. */
function isOwnerTransactionFrame(query: unknown): boolean {
  if (typeof query === "string") return query === "BEGIN" || query === "COMMIT" || query === "ROLLBACK";
  return typeof query === "object" && query !== null && (query as pg.QueryConfig).name === "tasks_as_owner";
}

const NO_ROWS = { rows: [], rowCount: 0, command: "", oid: 0, fields: [] };

function withoutOwnerTransaction(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  // The pool hands the same clients out again and again: wrap each once, or the wrappers pile up per checkout.
  const wrapped = new WeakSet<pg.PoolClient>();
  pool.connect = (async () => {
    const client = await connect();
    if (wrapped.has(client)) return client;
    wrapped.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    client.query = ((...args: unknown[]) =>
      isOwnerTransactionFrame(args[0]) ? Promise.resolve(NO_ROWS) : query(...args)) as typeof client.query;
    return client;
  }) as typeof pool.connect;
}

serve((settings) => startProjectApi(settings, (db) => withoutOwnerTransaction(poolOf(db))));
