// `pnpm keys:revoke <kid>`: the emergency path for a leaked signing key (`pnpm keys:rotate` is the calm
// one). The key leaves the JWKS at once and every API instance refuses its tokens within a second.
import { revokeSigningKey } from "../auth/signing-keys.ts";
import { createDb } from "../db/client.ts";
import { openOperatorDatabase } from "../db/database.server.ts";
import { readEnv } from "../env.ts";

const kid = process.argv[2];
if (!kid) {
  console.error("Usage: pnpm keys:revoke <kid>   (the kid is in the token header and at /api/auth/jwks)");
  process.exit(1);
}
const database = await openOperatorDatabase(readEnv());
const db = createDb(database.url);
try {
  if (await revokeSigningKey(db, kid)) {
    console.log(`Revoked signing key ${kid}: it is out of the JWKS, and its tokens are refused by every API instance.`);
  } else {
    console.error(`No signing key with id ${kid}.`);
    process.exitCode = 1;
  }
} finally {
  await db.$disconnect();
  await database.stop();
}
