// What-if, measured but not shipped: the project's own verifier behind a bounded cache of tokens it has
// already accepted, keyed by the token's SHA-256 and kept no later than the token's own exp. Failures
// are never cached, so a bad token always pays (and fails) the full verification.
import { createHash } from "node:crypto";
import { decodeJwt } from "jose";
import type { TokenVerifier, Viewer } from "../../src/api/token-verifier.ts";

export function withTokenCache(verifier: TokenVerifier, { maxEntries = 10_000, maxAgeMs = 60_000 } = {}): TokenVerifier {
  const cache = new Map<string, { viewer: Viewer; expiresAt: number }>();
  return {
    async verify(token) {
      const key = createHash("sha256").update(token).digest("base64url");
      const now = Date.now();
      const hit = cache.get(key);
      if (hit && hit.expiresAt > now) return hit.viewer;
      if (hit) cache.delete(key);
      const viewer = await verifier.verify(token);
      const exp = decodeJwt(token).exp;
      if (typeof exp === "number") {
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
        cache.set(key, { viewer, expiresAt: Math.min(exp * 1000, now + maxAgeMs) });
      }
      return viewer;
    },
  };
}
