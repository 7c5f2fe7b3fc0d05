// The database's clock, as this process knows it. Events are stamped by it (triggers) and tokens' iat is
// taken from it (auth/token-claims.ts), so it is the one clock the API compares them with: token checks
// (token-verifier.ts) and pruning run on it, and a host clock that is off changes nothing. Read on every
// heartbeat of the revocation connection, advanced in between by the monotonic clock, never by the host's.
import type pg from "pg";
import { readDatabaseTime } from "./revocation-events.ts";

export interface DatabaseClock {
  /**
   * The database's clock (epoch ms), as last read, advanced by this process's monotonic clock. The host's
   * own clock until the first read (no token is accepted before it).
   */
  now(): number;
  /** Reads the database's clock on `client`; the answer stands for the midpoint of the round trip. */
  read(client: pg.Client): Promise<void>;
}

export function createDatabaseClock(): DatabaseClock {
  /** The database's clock at a moment of this process's monotonic clock (performance.now()). */
  let reading: { databaseMs: number; localMs: number } | undefined;
  return {
    now: () => (reading ? reading.databaseMs + (performance.now() - reading.localMs) : Date.now()),
    async read(client) {
      const sentAt = performance.now();
      const databaseMs = await readDatabaseTime(client);
      reading = { databaseMs, localMs: (sentAt + performance.now()) / 2 };
    },
  };
}
