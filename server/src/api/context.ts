// Authenticate once per request: the Authorization header becomes a viewer ({ userId, role }), or
// anonymous when there is none, or a 400/401/503 before anything runs. Everything downstream reads only
// the context. The API never looks at cookies or sessions: a verified JWT is all it trusts.
import type { IncomingMessage } from "node:http";
import type { YogaInitialContext } from "graphql-yoga";
import type { AuditStore } from "../audit/audit-store.ts";
import type { Context, StreamLimits } from "../graphql/context.ts";
import type { TaskStore } from "../tasks/task-store.ts";
import type { UserStore } from "../users/user-store.ts";
import { CLIENT_IP_HEADER } from "../net/client-address.ts";
import type { ApiRateLimiter } from "../rate-limit/api-limits.ts";
import { secondFactorIsRecent } from "../shared/step-up.ts";
import { authUnavailable, invalidAuthorizationRequest, invalidDpopProof, invalidToken, rateLimited } from "../graphql/errors.ts";
import type { DpopPolicy } from "../config.ts";
import { type DpopProofVerifier, InvalidDpopProofError, requestUrls } from "../token-verification/dpop-proof.ts";
import {
  InvalidTokenError,
  KEYS_RETRY_AFTER_MS,
  KeysUnavailableError,
  RevocationsUnavailableError,
  type TokenRejectionReason,
  type TokenVerifier,
  type VerifiedToken,
} from "../token-verification/token-verifier.ts";
import type { RateLimitName } from "./api-metrics.ts";

export interface ContextDependencies {
  verifier: TokenVerifier;
  tasks: TaskStore;
  users: UserStore;
  audit: AuditStore;
  /** Why a token was refused, for the log line about `request`. */
  logTokenRejection?: (reason: string, request: Request) => void;
  /** Every refusal of a token or its header, as a class (auth_token_rejections_total). */
  tokenRejected?: (reason: TokenRejectionReason) => void;
  /** Every 429 (rate_limit_refusals_total). */
  rateLimitRefused?: (limit: RateLimitName) => void;
  /** Absent: no rate limits (tests and benchmarks that build the app directly). */
  rateLimit?: ApiRateLimiter;
  streams: StreamLimits;
  /** How recently a second factor must have been verified for admin powers (API_STEP_UP_MAX_AGE_S). */
  stepUpMaxAgeSeconds: number;
  /** DPoP (RFC 9449): the proofs' checks, whether bearer tokens are still taken, and the public origin if a proxy changes it. */
  dpop: { proofs: DpopProofVerifier; policy: DpopPolicy; publicOrigin?: string };
}

// Long enough for any real JWT this system issues, short enough to refuse abuse before any parsing.
const MAX_TOKEN_LENGTH = 8 * 1024;
/** RFC 6750 2.1's b64token, after the scheme: Bearer, or DPoP for a bound token (RFC 9449 7.1). */
const CREDENTIALS = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/i;
const RETRY_AFTER_SECONDS = Math.ceil(KEYS_RETRY_AFTER_MS / 1000);

/** Served directly over node:http, Yoga's initial context carries the node request. */
type InitialContext = YogaInitialContext & { req?: IncomingMessage };

export function createContextFactory(deps: ContextDependencies) {
  return async (initial: InitialContext): Promise<Context> => {
    const { request } = initial;
    // Set by our own server (http-server.ts) on the node request, or on the Request when another of our
    // handlers passes it on in-process (the web server); read from the node object first, as it is cheaper.
    const fromNode = initial.req?.headers[CLIENT_IP_HEADER];
    const clientIp = (typeof fromNode === "string" ? fromNode : request.headers.get(CLIENT_IP_HEADER)) ?? "unknown";
    const token = await authenticate(request, clientIp, deps);
    const viewer = token?.viewer ?? null;
    const nowSeconds = deps.verifier.now() / 1000;
    return {
      viewer,
      token,
      verifier: deps.verifier,
      clientIp,
      secondFactor: {
        recent: viewer !== null && secondFactorIsRecent(viewer.authMethods, viewer.authTime, nowSeconds, deps.stepUpMaxAgeSeconds),
        maxAgeSeconds: deps.stepUpMaxAgeSeconds,
      },
      streams: deps.streams,
      tasks: deps.tasks,
      users: deps.users,
      audit: deps.audit,
      userById: oncePerRequest(deps.users),
    };
  };
}

function oncePerRequest(users: UserStore): Context["userById"] {
  let read: Map<string, ReturnType<UserStore["findById"]>> | undefined;
  return (id) => {
    read ??= new Map();
    let user = read.get(id);
    if (!user) {
      user = users.findById(id);
      read.set(id, user);
    }
    return user;
  };
}

async function authenticate(request: Request, clientIp: string, deps: ContextDependencies): Promise<VerifiedToken | null> {
  if (deps.rateLimit) {
    const decision = await deps.rateLimit.byIp(clientIp);
    if (!decision.allowed) {
      deps.rateLimitRefused?.("ip");
      throw rateLimited(decision.retryAfterSeconds);
    }
  }
  const token = await verifiedToken(request, deps);
  if (token && deps.rateLimit) {
    const decision = await deps.rateLimit.byUser(token.viewer.userId);
    if (!decision.allowed) {
      deps.rateLimitRefused?.("user");
      throw rateLimited(decision.retryAfterSeconds);
    }
  }
  return token;
}

async function verifiedToken(request: Request, deps: ContextDependencies): Promise<VerifiedToken | null> {
  // RFC 6750 allows a token in the URL; this API never does (URLs end up in logs and histories).
  if (new URL(request.url).searchParams.has("access_token")) {
    deps.tokenRejected?.("malformed");
    throw invalidAuthorizationRequest();
  }
  const header = request.headers.get("authorization");
  if (header === null) return null;
  if (header.length > MAX_TOKEN_LENGTH + 7) {
    deps.tokenRejected?.("malformed");
    throw invalidToken(deps.dpop.policy === "required" ? "DPoP" : "Bearer");
  }
  const credentials = CREDENTIALS.exec(header.trim());
  const token = credentials?.[2];
  if (!credentials || !token) {
    deps.tokenRejected?.("malformed");
    throw invalidAuthorizationRequest();
  }
  const scheme = credentials[1]?.toLowerCase() === "dpop" ? "DPoP" : "Bearer";
  // Under "required", every refusal names DPoP, so a client learns which scheme to use.
  const challenge = scheme === "DPoP" || deps.dpop.policy === "required" ? "DPoP" : "Bearer";
  let verified: VerifiedToken;
  try {
    verified = await deps.verifier.verify(token);
  } catch (error) {
    if (error instanceof KeysUnavailableError) {
      deps.tokenRejected?.("keys_unavailable");
      deps.logTokenRejection?.(`signing keys unavailable: ${String(error.cause ?? error.message)}`, request);
      throw authUnavailable(RETRY_AFTER_SECONDS);
    }
    if (error instanceof RevocationsUnavailableError) {
      deps.tokenRejected?.("revocations_unavailable");
      deps.logTokenRejection?.(`revocations unconfirmed: ${error.message}`, request);
      throw authUnavailable(RETRY_AFTER_SECONDS);
    }
    if (error instanceof InvalidTokenError) {
      deps.tokenRejected?.(error.reason);
      deps.logTokenRejection?.(error.message, request);
      throw invalidToken(challenge);
    }
    throw error;
  }
  await checkSenderConstraint(verified, scheme, token, request, deps);
  return verified;
}

/**
 * RFC 9449 7: a bound token (cnf.jkt) is taken only with the DPoP scheme and a proof from its key, made for this
 * request and this token, never seen before; a bound token sent as Bearer is a copied token, refused. Under
 * "required", an unbound token is refused whichever scheme it came with.
 */
async function checkSenderConstraint(
  verified: VerifiedToken,
  scheme: "Bearer" | "DPoP",
  token: string,
  request: Request,
  deps: ContextDependencies,
): Promise<void> {
  const refuse = (reason: string) => {
    deps.tokenRejected?.("dpop");
    deps.logTokenRejection?.(reason, request);
    return invalidToken("DPoP");
  };
  if (scheme === "Bearer") {
    if (verified.boundKey) throw refuse("DPoP-bound token sent as Bearer");
    if (deps.dpop.policy === "required") throw refuse("bearer token where DPoP is required");
    return;
  }
  if (!verified.boundKey) throw refuse("unbound token sent with the DPoP scheme");
  try {
    const proof = await deps.dpop.proofs.verify({
      proof: request.headers.get("dpop"),
      method: request.method,
      urls: requestUrls(request.url, deps.dpop.publicOrigin),
      accessToken: token,
      now: deps.verifier.now(),
    });
    if (proof.jkt !== verified.boundKey) throw new InvalidDpopProofError("proof key is not the token's cnf.jkt");
  } catch (error) {
    if (!(error instanceof InvalidDpopProofError)) throw error;
    deps.tokenRejected?.("dpop");
    deps.logTokenRejection?.(`DPoP proof: ${error.message}`, request);
    throw invalidDpopProof();
  }
}
