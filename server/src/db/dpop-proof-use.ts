// The DPoP replay store (token-verification/dpop-proof.ts): a proof's key and jti, hashed, claimed in PostgreSQL by
// the first request that shows it. PostgreSQL rather than Redis: every instance of both services already depends on
// it for every request (Redis is optional here), a claim is one INSERT on a primary key, and a claim that is
// answered has committed, so a second instance cannot accept the same proof a moment later. Rows are pruned
// once they are past keeping, at most once a minute per process.
import type { ProofReplayStore } from "../token-verification/dpop-proof.ts";
import { poolOf, type SqlPool } from "./sql-pool.ts";

const PRUNE_EVERY_MS = 60_000;

export function createProofReplayStore(sqlPool: SqlPool): ProofReplayStore {
  const pool = poolOf(sqlPool);
  let prunedAt = Date.now();
  return {
    async firstUse(key, keepMs) {
      const { rowCount } = await pool.query({
        name: "dpop-proof-use",
        text: `INSERT INTO "dpop_proof_use" ("key", "expiresAt")
               VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
               ON CONFLICT ("key") DO NOTHING`,
        values: [key, keepMs],
      });
      if (Date.now() - prunedAt > PRUNE_EVERY_MS) {
        prunedAt = Date.now();
        // Not awaited: pruning is housekeeping; a failure leaves rows for the next try.
        pool.query(`DELETE FROM "dpop_proof_use" WHERE "expiresAt" < clock_timestamp()`).catch(() => {});
      }
      return rowCount === 1;
    },
  };
}
