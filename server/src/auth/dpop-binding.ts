// DPoP at the token endpoint (RFC 9449 section 5, applied to the JWT plugin's GET /api/auth/token, which has no
// DPoP of its own: Better Auth binds tokens only in its OAuth provider). A request with a DPoP proof gets a token
// bound to the proof's key (`cnf.jkt`) and `token_type: "DPoP"`; one without gets a bearer token, unless
// AUTH_DPOP=required. The proof is checked here, before Better Auth runs; its key's thumbprint reaches the
// token's payload (token-claims.ts) through this request's async context, since the plugin's definePayload is
// handed the session alone.
import { AsyncLocalStorage } from "node:async_hooks";
import type { DpopPolicy } from "../config.ts";
import { type DpopProofVerifier, InvalidDpopProofError, requestUrls } from "../token-verification/dpop-proof.ts";

const proofKey = new AsyncLocalStorage<string>();

/** The thumbprint of the key the token being signed is bound to, or undefined for a bearer token. */
export function currentProofKey(): string | undefined {
  return proofKey.getStore();
}

export interface DpopBindingOptions {
  proofs: DpopProofVerifier;
  policy: DpopPolicy;
  /** The auth service's base URL: a proof's htu may name it (behind a proxy) as well as the URL as received. */
  baseURL: string;
  /** Why a proof was refused, for the log (never the proof). */
  log?: (message: string, request: Request) => void;
}

export type TokenRequestHandler = (request: Request) => Promise<Response>;

export function createDpopBinding({ proofs, policy, baseURL, log = () => {} }: DpopBindingOptions) {
  return async function tokenRequest(request: Request, handle: TokenRequestHandler): Promise<Response> {
    const proof = request.headers.get("dpop");
    if (proof === null && policy === "allowed") return withTokenType(await handle(request), "Bearer");
    let jkt: string;
    try {
      ({ jkt } = await proofs.verify({
        proof,
        method: request.method,
        urls: requestUrls(request.url, baseURL),
        now: Date.now(),
      }));
    } catch (error) {
      if (!(error instanceof InvalidDpopProofError)) throw error;
      log(`token request refused: DPoP proof: ${error.message}`, request);
      return Response.json(
        { error: "invalid_dpop_proof", error_description: "The DPoP proof is missing or not acceptable." },
        { status: 400, headers: { "Cache-Control": "no-store" } },
      );
    }
    return withTokenType(await proofKey.run(jkt, () => handle(request)), "DPoP");
  };
}

/** RFC 9449 5: the token answer says how the token is to be presented. Other answers pass unchanged. */
async function withTokenType(answer: Response, tokenType: "Bearer" | "DPoP"): Promise<Response> {
  if (answer.status !== 200) return answer;
  const body = (await answer.json()) as Record<string, unknown>;
  const headers = new Headers(answer.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify({ ...body, token_type: tokenType }), { status: 200, headers });
}
