// What PostGraphile needs to serve the same data safely, the way its users set it up: a login role that
// is not a superuser (superusers bypass row-level security), grants for what it may touch, and policies
// that scope every task (and the owner's own user row) to the verified `sub` it sets per transaction.
// The project's API and the floor connect as the superuser: none of this changes what they do.
import { randomBytes } from "node:crypto";
import type pg from "pg";

export const POSTGRAPHILE_ROLE = "bench_postgraphile";

export async function preparePostGraphileAccess(client: pg.Client, superuserUrl: string): Promise<string> {
  const password = randomBytes(12).toString("hex");
  const role = client.escapeIdentifier(POSTGRAPHILE_ROLE);
  const owner = `current_setting('jwt.claims.sub', true)`;
  await client.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD ${client.escapeLiteral(password)}`);
  await client.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
  await client.query(`GRANT SELECT, INSERT, UPDATE ON task TO ${role}`);
  await client.query(`GRANT SELECT (id, name) ON "user" TO ${role}`);
  // Database-first inserts: PostGraphile clients send only a title; Prisma sets these columns itself,
  // so the defaults change nothing for the other servers.
  await client.query(`ALTER TABLE task ALTER COLUMN id SET DEFAULT gen_random_uuid()::text`);
  await client.query(`ALTER TABLE task ALTER COLUMN "updatedAt" SET DEFAULT now()`);
  await client.query(`ALTER TABLE task ALTER COLUMN "userId" SET DEFAULT ${owner}`);
  // task already has row-level security (the project's migration); PostGraphile gets a policy of its own.
  await client.query(
    `CREATE POLICY bench_postgraphile_task_owner ON task TO ${role} USING ("userId" = ${owner}) WITH CHECK ("userId" = ${owner})`,
  );
  await client.query(`ALTER TABLE "user" ENABLE ROW LEVEL SECURITY`);
  await client.query(`CREATE POLICY bench_postgraphile_user_self ON "user" FOR SELECT TO ${role} USING (id = ${owner})`);
  const url = new URL(superuserUrl);
  url.username = POSTGRAPHILE_ROLE;
  url.password = password;
  return url.toString();
}
