// `pnpm admin:grant <email> [--revoke]`: the operator's way to make a user admin (or not). Nothing a
// client sends can do it. The new role reaches the API in the user's next token (at most 15 minutes).
import { parseArgs } from "node:util";
import { setRole } from "../auth/roles.ts";
import { createDb } from "../db/client.ts";
import { openOperatorDatabase } from "../db/database.server.ts";
import { readEnv } from "../env.ts";

/** Why the operator's grant was refused, and what the account's owner can do about it. */
const REFUSALS = {
  "no-user": (email: string) => `No user with email ${email}.`,
  unverified: (email: string) =>
    `${email} has not verified its address yet, so it cannot be made admin: anyone can sign up with an address that is not theirs. Ask its owner to follow the link in the verification mail first.`,
  "no-second-factor": (email: string) =>
    `${email} has no second factor, so it cannot be made admin: admin powers ask for a second factor verified recently (step-up), and a stolen password alone must not be enough for them. Ask its owner to turn on two-step verification or add a passkey on the Account screen first.`,
} as const;

const { positionals, values } = parseArgs({ allowPositionals: true, options: { revoke: { type: "boolean" } } });
const email = positionals[0];
if (!email) {
  console.error("Usage: pnpm admin:grant <email> [--revoke]");
  process.exit(1);
}
const database = await openOperatorDatabase(readEnv());
const db = createDb(database.url);
try {
  const role = values.revoke ? "user" : "admin";
  const change = await setRole(db, email, role);
  if (change === "changed") console.log(`${email} is now ${role}.`);
  else {
    console.error(REFUSALS[change](email));
    process.exitCode = 1;
  }
} finally {
  await db.$disconnect();
  await database.stop();
}
