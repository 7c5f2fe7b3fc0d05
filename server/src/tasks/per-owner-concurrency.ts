// A cap on statements in flight per owner (DB_USER_IN_FLIGHT, default 2). The pool is shared by every
// user; without a cap, one account's parallel slow searches take every connection and everyone else
// waits behind them. With it, that account's statements queue behind each other, in order, and the rest
// of the pool stays free for other users. A statement that waits in its owner's queue longer than the
// pool wait (DB_POOL_WAIT_MS) gives up with the same 503 SERVICE_BUSY a full pool gives.
// Per process: each API instance caps its own share of its own pool.
import { DatabaseBusyError } from "../db/database-busy.ts";

interface OwnerLane {
  running: number;
  waiting: (() => void)[];
}

export interface PerOwnerConcurrency {
  run<T>(ownerId: string, work: () => Promise<T>): Promise<T>;
  /** Owners with statements running or waiting (for tests: an idle owner leaves nothing behind). */
  readonly busyOwners: number;
}

export function perOwnerConcurrency(options: { maxInFlight: number; maxWaitMs?: number }): PerOwnerConcurrency {
  const lanes = new Map<string, OwnerLane>();

  async function enter(ownerId: string): Promise<OwnerLane> {
    let lane = lanes.get(ownerId);
    if (!lane) {
      lane = { running: 0, waiting: [] };
      lanes.set(ownerId, lane);
    }
    if (lane.running < options.maxInFlight) {
      lane.running += 1;
      return lane;
    }
    const current = lane;
    await new Promise<void>((resolve, reject) => {
      // leave() hands its slot straight to the next waiter: `running` does not change.
      const admit = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer =
        options.maxWaitMs === undefined
          ? undefined
          : setTimeout(() => {
              current.waiting.splice(current.waiting.indexOf(admit), 1);
              reject(new DatabaseBusyError(`waited ${options.maxWaitMs} ms behind this user's other statements`));
            }, options.maxWaitMs);
      current.waiting.push(admit);
    });
    return current;
  }

  function leave(ownerId: string, lane: OwnerLane): void {
    const next = lane.waiting.shift();
    if (next) {
      next();
      return;
    }
    lane.running -= 1;
    if (lane.running === 0) lanes.delete(ownerId);
  }

  return {
    async run(ownerId, work) {
      const lane = await enter(ownerId);
      try {
        return await work();
      } finally {
        leave(ownerId, lane);
      }
    },
    get busyOwners() {
      return lanes.size;
    },
  };
}
