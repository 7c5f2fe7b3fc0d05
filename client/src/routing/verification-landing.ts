import { safeNext } from "./auth-redirect.ts";

/**
 * Where a verification link lands (its callbackURL): the sign-in page, with the page the person was heading to.
 * A browser the link signed in goes straight on from there; one it did not sign in is told why there. Better
 * Auth sends a link that failed (expired, cut short) to this address with `?error=`, so the page that can say
 * why and send a new link is where it lands. The auth service only redirects to its trusted origins.
 */
export function verificationLanding(next: string | null): string {
  const heading = safeNext(next);
  return `${window.location.origin}/sign-in${heading === "/" ? "" : `?next=${encodeURIComponent(heading)}`}`;
}
