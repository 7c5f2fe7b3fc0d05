// The API's request budgets: per client IP (an IPv6 client per /64; checked before the token is verified, so a flood of bad
// tokens is limited too) and per user (after). Counted in the shared store: memory or Redis.
import type { ApiConfig } from "../config.ts";
import { rateLimitKeyOf } from "../net/client-address.ts";
import type { Decision, RateLimitStore } from "./limiter.ts";

export interface ApiRateLimiter {
  byIp(ip: string): Promise<Decision>;
  byUser(userId: string): Promise<Decision>;
}

export function createApiRateLimiter(limits: NonNullable<ApiConfig["rateLimit"]>, store: RateLimitStore): ApiRateLimiter {
  const perIp = { max: limits.perIpPerMinute, windowSeconds: 60 };
  const perUser = { max: limits.perUserPerMinute, windowSeconds: 60 };
  return {
    byIp: (ip) => store.consume("api-ip", perIp, rateLimitKeyOf(ip)),
    byUser: (userId) => store.consume("api-user", perUser, userId),
  };
}
