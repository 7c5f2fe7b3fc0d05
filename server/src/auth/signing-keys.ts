// Signing-key lifecycle on top of Better Auth's JWT plugin. The plugin signs with the newest live key
// and mints a new one when none is live; expired keys stay published at /api/auth/jwks for its grace
// period (30 days), so tokens signed before a rotation keep verifying until they expire (15 minutes).
import { symmetricDecrypt } from "better-auth/crypto";
import type { Db } from "../db/client.ts";

/** Retire every live signing key: the next token is signed by a newly minted key. */
export async function rotateSigningKeys(db: Db, now = new Date()): Promise<number> {
  const { count } = await db.jwks.updateMany({
    where: { OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    data: { expiresAt: now },
  });
  return count;
}

/**
 * Private keys are stored encrypted with BETTER_AUTH_SECRET. After the secret changes, the plugin can no
 * longer decrypt them and every token request would fail. At start-up, retire live keys this secret
 * cannot open, so a new key is minted; their public halves stay published, so tokens already issued
 * still verify. Returns how many keys were retired.
 */
export async function retireKeysUnreadableWith(db: Db, secret: string): Promise<number> {
  const now = new Date();
  const live = await db.jwks.findMany({ where: { OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } });
  const unreadable: string[] = [];
  for (const key of live) {
    try {
      await symmetricDecrypt({ key: secret, data: JSON.parse(key.privateKey) });
    } catch {
      unreadable.push(key.id);
    }
  }
  if (unreadable.length === 0) return 0;
  const { count } = await db.jwks.updateMany({ where: { id: { in: unreadable } }, data: { expiresAt: now } });
  return count;
}
