// `pnpm keys:rotate`: retire the current signing key. The auth service mints a new one for the next
// token; the old public key stays published for the grace period, so issued tokens keep verifying.
// APIs pick the new key up at its first token (one early JWKS re-fetch), with no restart.
import { rotateSigningKeys } from "../auth/signing-keys.ts";
import { createDb } from "../db/client.ts";
import { openOperatorDatabase } from "../db/database.server.ts";
import { readEnv } from "../env.ts";

const database = await openOperatorDatabase(readEnv());
const db = createDb(database.url);
try {
  const retired = await rotateSigningKeys(db);
  console.log(`Retired ${retired} signing key(s); the next token is signed with a new key.`);
} finally {
  await db.$disconnect();
  await database.stop();
}
