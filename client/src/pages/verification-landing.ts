import { safeNext } from "./auth-redirect.ts";

/**
 * Where the verification link lands after it has verified the address and signed in: the page the person
 * was heading to, on this origin (the auth service only redirects to its trusted origins).
 */
export function verificationLanding(next: string | null): string {
  return `${window.location.origin}${safeNext(next)}`;
}
