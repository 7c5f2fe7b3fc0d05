// The account's own changes, through the real auth service with mail read from the catcher: deleting the
// account asks for the password, takes the tasks with it and ends every session and token. Changing the
// email has a file of its own (email-change.test.ts).
import { afterAll, beforeAll, expect, test } from "vitest";
import { PASSWORD, startTestSystem, type TestSystem } from "./support/test-system.ts";

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system.close());

const post = (path: string, body: unknown, cookie?: string) =>
  system.authFetch(`/api/auth${path}`, { method: "POST", body: JSON.stringify(body), headers: cookie ? { cookie } : {} });
const signInStatus = async (email: string) => (await post("/sign-in/email", { email, password: PASSWORD })).status;

async function refusedWithin(token: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await system.graphql("{ me { id } }", { token })).status === 401) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

test("deleting the account: refused with a wrong password; with the right one the tasks are gone, every token is refused, and it is audited", async () => {
  const user = await system.signUp("Leaver");
  const otherDevice = await system.signIn(user.email);
  const bystander = await system.signUp("Stayer");
  for (const title of ["one", "two"])
    await system.graphql(`mutation { createTask(input: { title: "${title}" }) { id } }`, { token: user.token });
  await system.graphql('mutation { createTask(input: { title: "mine" }) { id } }', { token: bystander.token });

  const wrong = await post("/delete-user", { password: "not my password at all" }, user.cookie);
  expect(wrong.status).toBe(400);
  expect(await system.db.task.count({ where: { userId: user.id } })).toBe(2);

  expect((await post("/delete-user", { password: PASSWORD }, user.cookie)).status).toBe(200);
  expect(await system.db.user.count({ where: { id: user.id } })).toBe(0);
  expect(await system.db.task.count({ where: { userId: user.id } })).toBe(0);
  expect(await refusedWithin(otherDevice.token, 3_000)).toBe(true);
  expect(await refusedWithin(user.token, 3_000)).toBe(true);
  expect(await signInStatus(user.email)).toBe(401);
  expect((await system.graphql("{ tasks { totalCount } }", { token: bystander.token })).body.data?.tasks).toEqual({ totalCount: 1 });

  const events = await system.db.auditEvent.findMany({ where: { subjectId: user.id, kind: { in: ["ACCOUNT_DELETED", "SESSION_ENDED"] } } });
  expect(events.filter((event) => event.kind === "ACCOUNT_DELETED")).toHaveLength(1);
  expect(new Set(events.filter((event) => event.kind === "SESSION_ENDED").map((event) => (event.detail as { by: string }).by))).toEqual(
    new Set(["account_deleted"]),
  );
});
