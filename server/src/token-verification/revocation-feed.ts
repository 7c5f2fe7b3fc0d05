// The API's knowledge of what ended, and whether it can vouch for it: the revocation list
// (revocation-list.ts) fed by one listening connection (revocation-connection.ts), with the database's
// clock (database-clock.ts) read on its heartbeats. This file adds the one rule that joins them, the
// staleness bound.
//
// Current means: the listening connection answered a heartbeat within `maxStalenessMs`. Past the bound,
// `assertCurrent` throws and the API answers 503 rather than accept a token it can no longer vouch for.
// Each transition (stale, current again) is logged once.
import { createDatabaseClock } from "./database-clock.ts";
import { createRevocationConnection } from "./revocation-connection.ts";
import { createRevocationList, type TokenIdentity } from "./revocation-list.ts";

export interface RevocationFeedOptions {
  connectionString: string;
  /** How long the instance may go without confirming it is current before it answers 503. */
  maxStalenessMs: number;
  /** The oldest token the verifier accepts (max token age plus clock tolerance): older events cannot matter. */
  horizonMs: number;
  /** A margin for role changes (revocation-list.ts says why). */
  clockToleranceMs: number;
  log?: (message: string) => void;
  /** Told of every event put in the list (revocation_events_applied_total), re-read ones after a reconnection too. */
  onEventApplied?: () => void;
}

/** The instance cannot confirm its revocation list is current: answer 503, not 401 and not 200. */
export class RevocationsUnavailableError extends Error {}

export interface RevocationFeed {
  /** Resolves when the list is known to be current; throws RevocationsUnavailableError otherwise. */
  assertCurrent(): Promise<void> | void;
  isRevoked(token: TokenIdentity): boolean;
  /** Whether a signing key was revoked (`pnpm keys:revoke`): the key set drops it at once (key-set.ts). */
  isKeyRevoked(kid: string): boolean;
  /** Whether the list is current now (no waiting, no connecting): for streams that re-check. */
  isCurrent(): boolean;
  /** Milliseconds since the feed last confirmed it is current; undefined before the first (revocation_feed_lag_seconds). */
  lagMs(): number | undefined;
  /**
   * The database's clock (epoch ms), as last read, advanced by this process's monotonic clock: the time
   * tokens are checked against. The host's own clock until the first read (no token is accepted before it).
   */
  now(): number;
  /** Calls `listener` after revocations arrive; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}

export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const log = options.log ?? (() => {});
  const list = createRevocationList({ horizonMs: options.horizonMs, clockToleranceMs: options.clockToleranceMs });
  const clock = createDatabaseClock();
  let confirmedAt = Number.NEGATIVE_INFINITY;
  let reportedStale = false;

  const connection = createRevocationConnection({
    connectionString: options.connectionString,
    heartbeatMs: Math.max(50, Math.min(5_000, Math.floor(options.maxStalenessMs / 3))),
    horizonMs: options.horizonMs,
    list: {
      add(event) {
        list.add(event);
        options.onEventApplied?.();
      },
      notifyChanged: () => list.notifyChanged(),
    },
    clock,
    onConfirmed() {
      confirmedAt = Date.now();
      if (reportedStale) log("revocation feed is current again");
      reportedStale = false;
      list.prune(clock.now());
    },
    log,
  });

  function refuse(): never {
    if (!reportedStale) {
      reportedStale = true;
      log(`revocation feed not confirmed for over ${options.maxStalenessMs} ms: answering 503 until it is back`);
    }
    throw new RevocationsUnavailableError("revocation feed is not current");
  }

  function stale(): boolean {
    return Date.now() - confirmedAt > options.maxStalenessMs;
  }

  return {
    assertCurrent() {
      connection.start();
      if (!stale()) return;
      // Never current yet (starting up): wait for the first connection attempt instead of refusing.
      const attempt = connection.attempt();
      if (!Number.isFinite(confirmedAt) && attempt) {
        return attempt.then(() => {
          if (stale()) refuse();
        });
      }
      refuse();
    },
    isRevoked: (token) => list.isRevoked(token),
    isKeyRevoked: (kid) => list.isKeyRevoked(kid),
    isCurrent: () => !stale(),
    lagMs: () => (Number.isFinite(confirmedAt) ? Date.now() - confirmedAt : undefined),
    now: () => clock.now(),
    onChange: (listener) => list.onChange(listener),
    close: () => connection.close(),
  };
}
