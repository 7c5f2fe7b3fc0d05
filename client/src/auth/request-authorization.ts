// The one place that puts a token on a request to the API: `Authorization: DPoP <token>` with a fresh `DPoP`
// proof (RFC 9449 section 7) for a token bound to this browser's key, `Authorization: Bearer <token>` for an
// unbound one. GraphQL over fetch and the live stream both send through authorizingFetch, so the proof names
// the request as it actually leaves (its method and URL), and each try of a request, a retry included, gets
// its own proof (the API refuses a proof it has seen).
import { createProof } from "./dpop-proof.ts";
import { noteServerTime } from "./server-clock.ts";
import type { IssuedToken } from "./token-store.ts";

export async function authorizationHeaders(issued: IssuedToken, method: string, url: string | URL): Promise<Record<string, string>> {
  if (issued.type === "Bearer") return { Authorization: `Bearer ${issued.token}` };
  return { Authorization: `DPoP ${issued.token}`, DPoP: await createProof(issued.key, method, url, issued.token) };
}

/**
 * A fetch that adds the token `tokenFor()` gives when the request is sent (none: sent as it is, anonymous).
 * Reading the token at send time means a request retried after a renewal carries the renewed one.
 */
export function authorizingFetch(fetchImpl: typeof fetch, tokenFor: () => IssuedToken | null): typeof fetch {
  return async (input, init) => {
    const issued = tokenFor();
    if (!issued) return fetchImpl(input, init);
    const request = input instanceof Request ? input : null;
    const method = init?.method ?? request?.method ?? "GET";
    const url = request ? request.url : input instanceof URL ? input : String(input);
    const headers = new Headers(init?.headers ?? request?.headers);
    for (const [name, value] of Object.entries(await authorizationHeaders(issued, method, url))) headers.set(name, value);
    const response = await fetchImpl(input, { ...init, headers });
    noteServerTime(response); // a proof refused for its time is retried once (graphql/), then dated right
    return response;
  };
}
