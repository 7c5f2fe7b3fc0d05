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
import { authUnavailable, invalidAuthorizationRequest, invalidToken, rateLimited } from "../graphql/errors.ts";
import {
  InvalidTokenError,
  KEYS_RETRY_AFTER_MS,
  KeysUnavailableError,
  RevocationsUnavailableError,
  type TokenVerifier,
  type VerifiedToken,
} from "../token-verification/token-verifier.ts";

export interface ContextDependencies {
  verifier: TokenVerifier;
  tasks: TaskStore;
  users: UserStore;
  audit: AuditStore;
  /** Why a token was refused, for the log line about `request`. */
  logTokenRejection?: (reason: string, request: Request) => void;
  /** Absent: no rate limits (tests and benchmarks that build the app directly). */
  rateLimit?: ApiRateLimiter;
  streams: StreamLimits;
  /** How recently a second factor must have been verified for admin powers (API_STEP_UP_MAX_AGE_S). */
  stepUpMaxAgeSeconds: number;
}

// Long enough for any real JWT this system issues, short enough to refuse abuse before any parsing.
const MAX_TOKEN_LENGTH = 8 * 1024;
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;
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
    if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
  }
  const token = await verifiedToken(request, deps);
  if (token && deps.rateLimit) {
    const decision = await deps.rateLimit.byUser(token.viewer.userId);
    if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
  }
  return token;
}

async function verifiedToken(request: Request, deps: ContextDependencies): Promise<VerifiedToken | null> {
  // RFC 6750 allows a token in the URL; this API never does (URLs end up in logs and histories).
  if (new URL(request.url).searchParams.has("access_token")) throw invalidAuthorizationRequest();
  const header = request.headers.get("authorization");
  if (header === null) return null;
  if (header.length > MAX_TOKEN_LENGTH + 7) throw invalidToken();
  const token = BEARER.exec(header.trim())?.[1];
  if (!token) throw invalidAuthorizationRequest();
  try {
    return await deps.verifier.verify(token);
  } catch (error) {
    if (error instanceof KeysUnavailableError) {
      deps.logTokenRejection?.(`signing keys unavailable: ${String(error.cause ?? error.message)}`, request);
      throw authUnavailable(RETRY_AFTER_SECONDS);
    }
    if (error instanceof RevocationsUnavailableError) {
      deps.logTokenRejection?.(`revocations unconfirmed: ${error.message}`, request);
      throw authUnavailable(RETRY_AFTER_SECONDS);
    }
    if (error instanceof InvalidTokenError) {
      deps.logTokenRejection?.(error.message, request);
      throw invalidToken();
    }
    throw error;
  }
}
