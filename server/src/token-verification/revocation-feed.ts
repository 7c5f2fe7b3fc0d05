// The API's knowledge of what ended: every revocation event still in force, held in memory and kept
// current by PostgreSQL LISTEN/NOTIFY on one connection of its own. The token verifier asks it about
// every request, verified-token cache hits included; the answer is a few Map lookups, never a query.
//
// Current means: the listening connection answered a heartbeat within `maxStalenessMs`. When the
// connection is lost, it reconnects with backoff, LISTENs again and re-reads the table, so events
// written meanwhile take effect at once; until then, past the bound, `assertCurrent` throws and the API
// answers 503 rather than accept a token it can no longer vouch for. Each transition is logged once.
//
// Each heartbeat also reads the database's clock. Events are stamped by it (triggers) and tokens' iat is
// taken from it (auth/token-claims.ts), so `now()` is the one clock the API compares them with: token
// checks (token-verifier.ts) and pruning run on it, and a host clock that is off changes nothing.
import pg from "pg";
import { parseEvent, readDatabaseTime, readLiveEvents, REVOCATION_CHANNEL, type RevocationEvent } from "./revocation-events.ts";

export interface RevocationFeedOptions {
  connectionString: string;
  /** How long the instance may go without confirming it is current before it answers 503. */
  maxStalenessMs: number;
  /** The oldest token the verifier accepts (max token age plus clock tolerance): older events cannot matter. */
  horizonMs: number;
  /**
   * A margin for role changes, whose window only ever catches tokens that carry a role the user lost. The
   * comparison itself is exact (iat and the event are both database time, and /token reads the role under
   * the row's lock); the margin covers tokens signed before the auth service took iat from the database.
   */
  clockToleranceMs: number;
  log?: (message: string) => void;
}

/** What the feed needs to know about a verified token. */
export interface TokenIdentity {
  sessionId: string;
  userId: string;
  role: string;
  /** Seconds since the epoch, as in the token. */
  issuedAt: number;
  keyId?: string;
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
  /**
   * The database's clock (epoch ms), as last read, advanced by this process's monotonic clock: the time
   * tokens are checked against. The host's own clock until the first read (no token is accepted before it).
   */
  now(): number;
  /** Calls `listener` after revocations arrive; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}

const MAX_BACKOFF_MS = 5_000;
export const REVOCATION_FEED_APPLICATION_NAME = "tasks-api-revocation-feed";
const ROLE_RANK: Record<string, number> = { user: 0, admin: 1 };

function outranks(tokenRole: string, currentRole: string): boolean {
  return (ROLE_RANK[tokenRole] ?? 0) > (ROLE_RANK[currentRole] ?? 0);
}

export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const log = options.log ?? (() => {});
  const heartbeatMs = Math.max(50, Math.min(5_000, Math.floor(options.maxStalenessMs / 3)));

  // The live set, by what each kind names; times in milliseconds. For a user, the latest event wins.
  const sessions = new Map<string, number>(); // sid -> occurredAt
  const keys = new Set<string>();
  const userTokensUpTo = new Map<string, number>(); // sub -> occurredAt
  const userRoles = new Map<string, { role: string; occurredAt: number }>();

  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };

  function apply(event: RevocationEvent): void {
    switch (event.kind) {
      case "session-revoked":
        sessions.set(event.subject, event.occurredAt);
        break;
      case "key-revoked":
        keys.add(event.subject);
        break;
      case "tokens-revoked":
        if ((userTokensUpTo.get(event.subject) ?? -Infinity) < event.occurredAt) userTokensUpTo.set(event.subject, event.occurredAt);
        break;
      case "claims-changed":
        if ((userRoles.get(event.subject)?.occurredAt ?? -Infinity) < event.occurredAt) {
          userRoles.set(event.subject, { role: event.role, occurredAt: event.occurredAt });
        }
        break;
    }
  }

  /** The database's clock at a moment of this process's monotonic clock (performance.now()). */
  let clock: { databaseMs: number; localMs: number } | undefined;
  const databaseNow = () => (clock ? clock.databaseMs + (performance.now() - clock.localMs) : Date.now());

  /** Reads the database's clock; the answer stands for the midpoint of the round trip. */
  async function readClock(on: pg.Client): Promise<void> {
    const sentAt = performance.now();
    const databaseMs = await readDatabaseTime(on);
    clock = { databaseMs, localMs: (sentAt + performance.now()) / 2 };
  }

  /** Events older than the oldest acceptable token can no longer matter (`now` is the database's clock). */
  function prune(now: number): void {
    const horizon = now - options.horizonMs;
    for (const [sid, at] of sessions) if (at < horizon) sessions.delete(sid);
    for (const [sub, at] of userTokensUpTo) if (at < horizon) userTokensUpTo.delete(sub);
    for (const [sub, entry] of userRoles) if (entry.occurredAt < horizon) userRoles.delete(sub);
  }

  let client: pg.Client | undefined;
  let confirmedAt = Number.NEGATIVE_INFINITY;
  let connecting: Promise<void> | undefined;
  let started = false;
  let closed = false;
  let failures = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let reportedStale = false;

  function connect(): Promise<void> {
    connecting ??= (async () => {
      // A heartbeat that gets no answer (a silently dead peer) counts as a lost connection.
      const next = new pg.Client({
        connectionString: options.connectionString,
        // Named, so an operator (and a test) can find it in pg_stat_activity.
        application_name: REVOCATION_FEED_APPLICATION_NAME,
        keepAlive: true,
        connectionTimeoutMillis: 5_000,
        query_timeout: Math.max(1_000, heartbeatMs),
      });
      // Errors on an idle connection arrive as events; without a listener they would crash the process.
      next.on("error", (error) => lost(next, error));
      next.on("end", () => lost(next, new Error("connection ended")));
      try {
        await next.connect();
        next.on("notification", (message) => {
          if (message.channel !== REVOCATION_CHANNEL) return;
          const event = parseEvent(message.payload);
          if (event) apply(event);
          changed();
        });
        // LISTEN before reading, so nothing committed in between is missed (applying twice is harmless).
        await next.query(`LISTEN ${REVOCATION_CHANNEL}`);
        for (const event of await readLiveEvents(next, options.horizonMs)) apply(event);
        await readClock(next);
        changed();
      } catch (error) {
        next.removeAllListeners("end");
        await next.end().catch(() => {});
        throw error;
      }
      if (closed) {
        await next.end().catch(() => {});
        return;
      }
      client = next;
      failures = 0;
      confirmed();
      heartbeatTimer = setInterval(heartbeat, heartbeatMs);
      heartbeatTimer.unref();
    })()
      .catch((error: unknown) => {
        noteFailure(error);
        scheduleReconnect();
      })
      .finally(() => {
        connecting = undefined;
      });
    return connecting;
  }

  function confirmed(): void {
    confirmedAt = Date.now();
    if (reportedStale) log("revocation feed is current again");
    reportedStale = false;
    prune(databaseNow());
  }

  async function heartbeat(): Promise<void> {
    const current = client;
    if (!current) return;
    try {
      await readClock(current);
      if (client === current) confirmed();
    } catch (error) {
      lost(current, error);
    }
  }

  function lost(which: pg.Client, error: unknown): void {
    if (client !== which || closed) return;
    client = undefined;
    clearInterval(heartbeatTimer);
    which.end().catch(() => {});
    noteFailure(error);
    scheduleReconnect();
  }

  /** Logged once per outage: the first failure after a good connection (or at start). */
  function noteFailure(error: unknown): void {
    if (failures === 0) log(`revocation feed connection lost (${error instanceof Error ? error.message : String(error)}); reconnecting`);
    failures += 1;
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer) return;
    // The first retry at once (a dropped connection to a live server), then 0.1 s doubling up to 5 s.
    const delay = failures <= 1 ? 0 : Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(failures - 2, 6));
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, delay);
    reconnectTimer.unref();
  }

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
      if (!started) {
        started = true;
        void connect();
      }
      if (!stale()) return;
      // Never current yet (starting up): wait for the first connection attempt instead of refusing.
      if (!Number.isFinite(confirmedAt) && connecting) {
        return connecting.then(() => {
          if (stale()) refuse();
        });
      }
      refuse();
    },

    isRevoked(token) {
      if (sessions.has(token.sessionId)) return true;
      if (token.keyId !== undefined && keys.has(token.keyId)) return true;
      const issuedAtMs = token.issuedAt * 1000;
      // iat has whole seconds: a token from the same second as the event counts as issued before it.
      const upTo = userTokensUpTo.get(token.userId);
      if (upTo !== undefined && issuedAtMs <= upTo) return true;
      // A role change ends only tokens that claim more than the user now has: a token from before a
      // promotion keeps its lesser role, and the next token carries the new one.
      const role = userRoles.get(token.userId);
      return role !== undefined && outranks(token.role, role.role) && issuedAtMs <= role.occurredAt + options.clockToleranceMs;
    },

    isKeyRevoked(kid) {
      return keys.has(kid);
    },

    isCurrent() {
      return !stale();
    },

    now: databaseNow,

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      clearInterval(heartbeatTimer);
      const current = client;
      client = undefined;
      if (connecting) await connecting;
      await current?.end().catch(() => {});
    },
  };
}
