// Signing-key lifecycle on top of Better Auth's JWT plugin. The plugin signs with the newest live key
// and mints a new one when none is live; expired keys stay published at /api/auth/jwks for its grace
// period (30 days), so tokens signed before a rotation keep verifying until they expire (15 minutes).
import { symmetricDecrypt } from "better-auth/crypto";
import { recordSecurityEvent } from "../audit/audit-log.ts";
import type { Db } from "../db/client.ts";

/** Retire every live signing key: the next token is signed by a newly minted key. */
export async function rotateSigningKeys(db: Db, now = new Date()): Promise<number> {
  return db.$transaction(async (tx) => {
    const live = { OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
    const retired = await tx.jwks.findMany({ where: live, select: { id: true } });
    const { count } = await tx.jwks.updateMany({ where: { id: { in: retired.map((key) => key.id) } }, data: { expiresAt: now } });
    await recordSecurityEvent(tx, { kind: "KEY_ROTATED", detail: { retiredKeys: retired.map((key) => key.id).join(","), by: "operator" } });
    return count;
  });
}

/**
 * Emergency revocation of a leaked key: deleting its row takes it out of the JWKS at once (the plugin
 * reads keys from the table on every request), and the table's trigger writes a key-revoked event, so
 * every API instance refuses tokens signed with it within a second, verified-token caches included. If
 * it was the signing key, the plugin mints a new one for the next token. False when no such key exists.
 */
export async function revokeSigningKey(db: Db, kid: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.jwks.deleteMany({ where: { id: kid } });
    if (count === 1) await recordSecurityEvent(tx, { kind: "KEY_REVOKED", detail: { kid, by: "operator" } });
    return count === 1;
  });
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
  return db.$transaction(async (tx) => {
    const { count } = await tx.jwks.updateMany({ where: { id: { in: unreadable } }, data: { expiresAt: now } });
    await recordSecurityEvent(tx, { kind: "KEY_ROTATED", detail: { retiredKeys: unreadable.join(","), by: "secret_change" } });
    return count;
  });
}
