// The one PostgreSQL connection that keeps the revocation list and the database clock fed: it LISTENs for
// new events, reads those already in force, and answers a heartbeat that also reads the clock. A lost
// connection (an error, its end, a heartbeat with no answer) reconnects with backoff, LISTENs again and
// re-reads the table, so events written meanwhile take effect at once. It logs one line per outage;
// what an outage means for answers (the staleness bound) is revocation-feed.ts's to decide.
import pg from "pg";
import type { DatabaseClock } from "./database-clock.ts";
import { parseEvent, readLiveEvents, REVOCATION_CHANNEL } from "./revocation-events.ts";
import type { RevocationList } from "./revocation-list.ts";

export interface RevocationConnectionOptions {
  connectionString: string;
  /** How often the connection proves it is alive; a heartbeat with no answer within it counts as lost. */
  heartbeatMs: number;
  /** The age past which events cannot matter: older ones are not read. */
  horizonMs: number;
  list: Pick<RevocationList, "add" | "notifyChanged">;
  clock: DatabaseClock;
  /** Called each time the connection shows it is current: once connected and caught up, then every heartbeat. */
  onConfirmed: () => void;
  log: (message: string) => void;
}

export interface RevocationConnection {
  /** Starts connecting, the first time only. */
  start(): void;
  /** The connection attempt in progress, if any: it settles whether the attempt succeeded or not. */
  attempt(): Promise<void> | undefined;
  close(): Promise<void>;
}

const MAX_BACKOFF_MS = 5_000;
/** Named, so an operator (and a test) can find the connection in pg_stat_activity. */
export const REVOCATION_FEED_APPLICATION_NAME = "tasks-api-revocation-feed";

export function createRevocationConnection(options: RevocationConnectionOptions): RevocationConnection {
  const { list, clock, log } = options;
  let client: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let started = false;
  let closed = false;
  let failures = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let heartbeatTimer: NodeJS.Timeout | undefined;

  function connect(): Promise<void> {
    connecting ??= (async () => {
      // A heartbeat that gets no answer (a silently dead peer) counts as a lost connection.
      const next = new pg.Client({
        connectionString: options.connectionString,
        application_name: REVOCATION_FEED_APPLICATION_NAME,
        keepAlive: true,
        connectionTimeoutMillis: 5_000,
        query_timeout: Math.max(1_000, options.heartbeatMs),
      });
      // Errors on an idle connection arrive as events; without a listener they would crash the process.
      next.on("error", (error) => lost(next, error));
      next.on("end", () => lost(next, new Error("connection ended")));
      try {
        await next.connect();
        next.on("notification", (message) => {
          if (message.channel !== REVOCATION_CHANNEL) return;
          const event = parseEvent(message.payload);
          if (event) list.add(event);
          list.notifyChanged();
        });
        // LISTEN before reading, so nothing committed in between is missed (applying twice is harmless).
        await next.query(`LISTEN ${REVOCATION_CHANNEL}`);
        for (const event of await readLiveEvents(next, options.horizonMs)) list.add(event);
        await clock.read(next);
        list.notifyChanged();
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
      options.onConfirmed();
      heartbeatTimer = setInterval(heartbeat, options.heartbeatMs);
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

  async function heartbeat(): Promise<void> {
    const current = client;
    if (!current) return;
    try {
      await clock.read(current);
      if (client === current) options.onConfirmed();
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

  return {
    start() {
      if (started) return;
      started = true;
      void connect();
    },

    attempt: () => connecting,

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
