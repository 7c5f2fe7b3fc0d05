// How many live streams may be open at once on this instance, per user and per client IP. Each open
// stream holds a connection and a subscription; counted while open, freed when it ends however it ends.
// IPv6 clients are counted per /64, as every other per-IP budget.
import type { StreamLimits } from "../graphql/context.ts";
import { rateLimitKeyOf } from "../net/client-address.ts";

/** The limits, and how many streams are open (live_streams_open). */
export function createStreamLimits(limits: { perUser: number; perIp: number }): StreamLimits & { open(): number } {
  let open = 0;
  const byUser = new Map<string, number>();
  const byIp = new Map<string, number>();
  const change = (counts: Map<string, number>, key: string, by: number) => {
    const next = (counts.get(key) ?? 0) + by;
    if (next <= 0) counts.delete(key);
    else counts.set(key, next);
  };
  return {
    acquire(userId, address) {
      const ip = rateLimitKeyOf(address);
      if ((byUser.get(userId) ?? 0) >= limits.perUser || (byIp.get(ip) ?? 0) >= limits.perIp) return null;
      change(byUser, userId, 1);
      change(byIp, ip, 1);
      open += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        open -= 1;
        change(byUser, userId, -1);
        change(byIp, ip, -1);
      };
    },
    open: () => open,
  };
}
