// A DPoP proof (RFC 9449 section 4): a JWT signed with this browser's key, made fresh for one request, that
// names the request (htm, htu) and, at the API, the token it goes with (ath). The services refuse one that is
// old (iat), seen before (jti) or made for another request, so a proof is never reused or made ahead.
import { generateProof, type KeyPair } from "dpop";

/**
 * htu: the request's absolute URL without query and fragment (section 4.2), resolved against the page, so
 * "/graphql" is "<the page's origin>/graphql", the URL the browser actually asks for.
 */
export function proofTarget(url: string | URL): string {
  const target = new URL(url, globalThis.location?.href);
  target.search = "";
  target.hash = "";
  return target.href;
}

/** A proof for one request; with `accessToken` (a request to the API) it also carries its hash (ath). */
export function createProof(key: KeyPair, method: string, url: string | URL, accessToken?: string): Promise<string> {
  return generateProof(key, proofTarget(url), method.toUpperCase(), undefined, accessToken);
}
