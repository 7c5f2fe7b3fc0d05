// Fixed-window request counters, in process memory by default and in Redis when REDIS_URL is set, so
// several API or auth instances share one budget. One store serves both services' limits.
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";

export interface RateLimitRule {
  /** Requests allowed per window; 0 turns the limit off. */
  max: number;
  windowSeconds: number;
}

export interface Decision {
  allowed: boolean;
  /** Seconds until the window frees up (set when not allowed). */
  retryAfterSeconds: number;
  /**
   * The store could not be reached, so nothing was counted and `allowed` is true (failing open). A budget
   * that protects accounts rather than availability refuses instead (account-sign-in-budget.ts).
   */
  storeUnreachable?: true;
}

const CONNECT_WAIT_MS = 2_000;

export interface RateLimitStore {
  readonly kind: "memory" | "redis";
  consume(name: string, rule: RateLimitRule, key: string): Promise<Decision>;
  /**
   * Gives one unit back (a unit spent before some work that turned out not to count). Spent and given
   * back in separate calls: if the window ends between the two, the next window starts one unit richer.
   */
  refund(name: string, rule: RateLimitRule, key: string): Promise<void>;
  /** Gives the key its whole budget back. */
  reset(name: string, rule: RateLimitRule, key: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A store that cannot be reached fails open: the request is allowed (marked `storeUnreachable`) and
 * `onStoreError` is told, because request limits protect availability and must not take the service down
 * with them. The callers whose budget protects an account fail closed on that mark instead.
 */
export function createRateLimitStore(redisUrl?: string, onStoreError: (error: unknown) => void = () => {}): RateLimitStore {
  // No offline queue: while Redis is unreachable a count fails at once (and fails open) instead of
  // queueing behind the reconnection. The first counts wait briefly for the initial connection.
  const redis = redisUrl ? new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
  // Told once per outage, not at every reconnection attempt (ioredis retries every few hundred ms).
  let reachable = true;
  const unreachable = (error: unknown) => {
    if (!reachable) return;
    reachable = false;
    onStoreError(error);
  };
  redis?.on("error", unreachable);
  redis?.on("ready", () => (reachable = true));
  const connected = redis
    ? new Promise<void>((resolve) => {
        redis.once("ready", resolve);
        setTimeout(resolve, CONNECT_WAIT_MS).unref();
      })
    : Promise.resolve();
  const limiters = new Map<string, RateLimiterAbstract>();

  function limiterFor(name: string, rule: RateLimitRule): RateLimiterAbstract {
    const id = `${name}:${rule.max}:${rule.windowSeconds}`;
    let limiter = limiters.get(id);
    if (!limiter) {
      const options = { keyPrefix: `rl:${id}`, points: rule.max, duration: rule.windowSeconds };
      limiter = redis ? new RateLimiterRedis({ ...options, storeClient: redis, useRedisPackage: false }) : new RateLimiterMemory(options);
      limiters.set(id, limiter);
    }
    return limiter;
  }

  return {
    kind: redis ? "redis" : "memory",
    async consume(name, rule, key) {
      if (rule.max <= 0) return { allowed: true, retryAfterSeconds: 0 };
      if (redis && redis.status !== "ready") await connected;
      try {
        await limiterFor(name, rule).consume(key);
        return { allowed: true, retryAfterSeconds: 0 };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
        }
        unreachable(rejection);
        return { allowed: true, retryAfterSeconds: 0, storeUnreachable: true };
      }
    },
    async refund(name, rule, key) {
      if (rule.max <= 0) return;
      if (redis && redis.status !== "ready") await connected;
      await limiterFor(name, rule)
        .reward(key, 1)
        .then(() => {})
        .catch((error: unknown) => unreachable(error));
    },
    async reset(name, rule, key) {
      if (rule.max <= 0) return;
      if (redis && redis.status !== "ready") await connected;
      await limiterFor(name, rule)
        .delete(key)
        .catch((error: unknown) => unreachable(error));
    },
    async close() {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
