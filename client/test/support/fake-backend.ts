// For component tests: the auth service and the API as the browser sees them, faked at fetch. It keeps
// users, one browser's session cookie, issued tokens and tasks in memory, and counts every request, so
// tests can say what the app sent. The real services are exercised by the browser tests. GraphQL SSE requests
// (Accept: text/event-stream alone) get a stream that stays open until the app closes it or a test ends, cuts or
// feeds it; the *Elsewhere helpers change a task as another device would, and tell the user's open streams.
// With `dpop`, the token endpoint binds a token to the key of a DPoP proof sent with its request, and the API
// takes a bound token only as `DPoP <token>` with a proof by that key for that request (RFC 9449; the real
// checks are the services', exercised by the browser tests).
import { readProof, sha256 } from "./dpop-proofs.ts";

export interface FakeTask {
  id: string;
  title: string;
  description: string;
  completed: boolean;
  dueAt: string | null;
  createdAt: string;
  updatedAt: string;
}

interface FakeUser {
  id: string;
  email: string;
  name: string;
  password: string;
  role: "admin" | "user";
  /** With two-step verification on: the code the authenticator app shows now, and the unused backup codes. */
  secondFactor?: { code: string; backupCodes: string[] };
}

/** A ban made through the admin endpoint, as the auth service recorded it. */
export interface FakeBan {
  userId: string;
  banReason: string;
}

export interface SentRequest {
  path: string;
  authorization: string | null;
  /** The DPoP proof header, as sent. */
  dpop: string | null;
  /** What the app asked fetch to do with cookies (undefined: it said nothing, so the browser's default). */
  credentials: RequestCredentials | undefined;
  operationName?: string;
  /** A POST's JSON body. */
  body?: Record<string, any>;
  /** A GraphQL SSE request (Accept: text/event-stream). */
  stream?: boolean;
}

/** A GraphQL SSE stream the fake API holds open. */
export interface FakeStream {
  userId: string;
  authorization: string | null;
  /** Ended by the app (aborted), by the server (`complete`) or cut. */
  closed: boolean;
}

export type FakeTaskEventKind = "CREATED" | "UPDATED" | "DELETED";

/**
 * A Better Auth session as list-sessions returns it (this browser's, or one on another device): without its
 * token, which the auth service keeps to itself (server/src/auth/session-token-privacy.ts).
 */
export interface FakeSession {
  id: string;
  userId: string;
  userAgent: string | null;
  ipAddress: string | null;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
}

/** An entry of `me.securityEvents` as the API answers it (a run of failed sign-ins is one, with its count). */
export interface FakeSecurityEvent {
  id: string;
  kind: string;
  actor: "SELF" | "ADMINISTRATOR" | "OPERATOR" | "ANONYMOUS" | "SYSTEM";
  at: string;
  firstAt?: string;
  count?: number;
  countCapped?: boolean;
  ipAddress?: string | null;
  userAgent?: string | null;
  detail?: string;
}

export type FakeDevice = Partial<Pick<FakeSession, "userAgent" | "ipAddress" | "createdAt" | "updatedAt">>;

/** The user agent of this browser's sessions unless a test names another. */
export const THIS_BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0";

const ORIGIN = "http://localhost:5173";

function base64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fakeJwt(claims: { sub: string; iat: number; exp: number; jti?: string; role?: string }): string {
  return `${base64url({ alg: "EdDSA", kid: "test" })}.${base64url(claims)}.signature`;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

export function createFakeBackend(
  options: {
    tokenLifetimeSeconds?: number;
    sessionLifetimeSeconds?: number;
    /** API_STEP_UP_MAX_AGE_S: how recent an admin's second factor must be. */
    stepUpMaxAgeSeconds?: number;
    now?: () => number;
    /** Bind tokens asked for with a DPoP proof, and hold the API's requests with them to proofs. */
    dpop?: boolean;
  } = {},
) {
  const lifetime = options.tokenLifetimeSeconds ?? 900;
  const sessionLifetimeMs = (options.sessionLifetimeSeconds ?? 86_400) * 1000;
  const now = options.now ?? Date.now;
  const users = new Map<string, FakeUser>();
  const tasks = new Map<string, FakeTask[]>();
  const securityEvents = new Map<string, FakeSecurityEvent[]>(); // user id -> entries, newest first
  const stepUpMaxAgeMs = (options.stepUpMaxAgeSeconds ?? 600) * 1000;
  const validTokens = new Map<string, string>(); // token -> user id
  const boundTokens = new Map<string, string>(); // token -> the thumbprint of the key it is bound to (cnf.jkt)
  const seenProofIds = new Set<string>();
  // Proofs carry the browser's real time (dpop reads Date.now), whatever clock a test gives the fake: iat is judged by it.
  let proofsToRefuse = 0;
  // When each token's session had last verified a second factor as the token was issued (its auth_time with "mfa").
  const tokenSecondFactorAt = new Map<string, number | null>();
  let session: { id: string; userId: string; secondFactorAt: number | null } | null = null;
  const bans: FakeBan[] = [];
  const recent = (secondFactorAt: number | null | undefined) => secondFactorAt != null && now() - secondFactorAt <= stepUpMaxAgeMs;
  const stepUpRefusal = () => ({
    message: "This needs a recent second factor.",
    extensions: { code: "INSUFFICIENT_USER_AUTHENTICATION", acrValues: "mfa", maxAge: stepUpMaxAgeMs / 1000 },
  });
  const serverSessions: FakeSession[] = []; // every user's sessions, this browser's included
  const dropSession = (id: string | undefined) => {
    const index = serverSessions.findIndex((candidate) => candidate.id === id);
    if (index >= 0) serverSessions.splice(index, 1);
  };
  const newSession = (userId: string, device: FakeDevice): FakeSession => {
    const id = `session-${++sequence}`;
    const stamp = new Date(now()).toISOString();
    const record = {
      id,
      userId,
      userAgent: THIS_BROWSER,
      ipAddress: "203.0.113.7",
      createdAt: stamp,
      updatedAt: stamp,
      expiresAt: new Date(now() + sessionLifetimeMs).toISOString(),
      ...device,
    };
    serverSessions.push(record);
    return record;
  };
  let sequence = 0;
  const sent: SentRequest[] = [];
  const streams: (FakeStream & { controller: ReadableStreamDefaultController<Uint8Array> })[] = [];
  const encoder = new TextEncoder();
  const endStream = (stream: (typeof streams)[number], how: "complete" | "cut" | "aborted") => {
    if (stream.closed) return;
    stream.closed = true;
    try {
      if (how === "complete") {
        stream.controller.enqueue(encoder.encode("event: complete\ndata:\n\n"));
        stream.controller.close();
      } else if (how === "cut") stream.controller.error(new TypeError("network error"));
    } catch {
      // Already cancelled by the reader.
    }
  };
  const publish = (userId: string, kind: FakeTaskEventKind, task: FakeTask | null, taskId: string) => {
    const payload = {
      data: { taskEvents: { __typename: "TaskEvent", kind, taskId, task: task ? { __typename: "Task", ...task } : null } },
    };
    for (const stream of streams) {
      if (stream.closed || stream.userId !== userId) continue;
      stream.controller.enqueue(encoder.encode(`event: next\ndata: ${JSON.stringify(payload)}\n\n`));
    }
  };

  // While set, a password change that signs out the other devices has ended the sessions but not yet answered.
  let passwordChangeHeld: Promise<void> | null = null;

  const backend = {
    sent,
    /** Requests to a path, e.g. "/api/auth/token" or "/graphql". */
    requests: (path: string) => sent.filter((request) => request.path === path),
    bans,
    addUser(email: string, password = "a long password"): FakeUser {
      const user: FakeUser = { id: `user-${++sequence}`, email, name: email.split("@")[0]!, password, role: "user" };
      users.set(email, user);
      tasks.set(user.id, []);
      return user;
    },
    addTask(user: FakeUser, title: string): FakeTask {
      const stamp = new Date(now() + ++sequence).toISOString();
      const task = { id: `task-${sequence}`, title, description: "", completed: false, dueAt: null, createdAt: stamp, updatedAt: stamp };
      tasks.get(user.id)!.unshift(task);
      return task;
    },
    /** The user's security activity, newest first; without it, one entry: the sign-in behind the token. */
    setSecurityEvents(user: FakeUser, entries: FakeSecurityEvent[]) {
      securityEvents.set(user.id, entries);
    },
    signInAs(user: FakeUser, device: FakeDevice = {}) {
      session = { id: newSession(user.id, device).id, userId: user.id, secondFactorAt: null };
    },
    /** An admin with two-step verification on, whose authenticator shows `code` (a test changes it as time passes). */
    makeAdmin(user: FakeUser, secondFactor?: { code: string; backupCodes: string[] }) {
      user.role = "admin";
      if (secondFactor) user.secondFactor = secondFactor;
    },
    /** The session disappears server-side (expired, revoked): tokens stop working and none are issued. */
    endSession() {
      dropSession(session?.id);
      session = null;
      validTokens.clear();
    },
    /** The user is also signed in elsewhere (another browser or device). */
    addOtherSession(user: FakeUser, device: FakeDevice = {}): FakeSession {
      return newSession(user.id, device);
    },
    /** The user's sessions the server still has. */
    sessionsOf: (user: FakeUser) => serverSessions.filter((candidate) => candidate.userId === user.id),
    /** The API refuses the next `count` DPoP proofs it is sent, as for a proof it took for a replay or too old. */
    refuseProofs(count = 1) {
      proofsToRefuse = count;
    },
    /** The key thumbprint a token is bound to (its cnf.jkt), or undefined for a bearer token. */
    boundTo: (token: string) => boundTokens.get(token),
    /** Every token issued so far is refused from now on (e.g. keys rotated); new ones still work. */
    revokeTokens() {
      validTokens.clear();
    },
    /**
     * From now on, a password change that signs out the other devices ends every session of the user at once
     * (their tokens refused, their streams completed, as the auth service's commit and the API's revocation
     * feed do) but answers, with the new session's cookie, only when the returned function is called.
     */
    holdPasswordChanges(): () => void {
      let release = () => {};
      passwordChangeHeld = new Promise((resolve) => {
        release = resolve;
      });
      return release;
    },
    /** Every GraphQL SSE stream opened so far, in order. */
    streams: (): FakeStream[] => streams.map(({ userId, authorization, closed }) => ({ userId, authorization, closed })),
    openStreams: (): FakeStream[] => backend.streams().filter((stream) => !stream.closed),
    /** The server completes every open stream (as the API does at token expiry or revocation). */
    completeStreams() {
      for (const stream of streams) endStream(stream, "complete");
    },
    /** A comment on every open stream, as graphql-yoga sends every 12 s to keep it alive. */
    pingStreams() {
      for (const stream of streams) if (!stream.closed) stream.controller.enqueue(encoder.encode(":\n\n"));
    },
    /** Every open stream breaks without a `complete` (the network dropped). */
    cutStreams() {
      for (const stream of streams) endStream(stream, "cut");
    },
    /** Another device adds a task. */
    createElsewhere(user: FakeUser, title: string): FakeTask {
      const task = backend.addTask(user, title);
      publish(user.id, "CREATED", task, task.id);
      return task;
    },
    /** Another device changes a task. */
    updateElsewhere(user: FakeUser, id: string, patch: Partial<Omit<FakeTask, "id" | "createdAt">>): FakeTask {
      const task = tasks.get(user.id)!.find((candidate) => candidate.id === id)!;
      Object.assign(task, patch, { updatedAt: new Date(now() + ++sequence).toISOString() });
      publish(user.id, "UPDATED", task, id);
      return task;
    },
    /** Another device deletes a task. */
    deleteElsewhere(user: FakeUser, id: string) {
      const mine = tasks.get(user.id)!;
      mine.splice(
        mine.findIndex((candidate) => candidate.id === id),
        1,
      );
      publish(user.id, "DELETED", null, id);
    },
    fetch: async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = input instanceof Request ? input : new Request(new URL(String(input), ORIGIN), init);
      const url = new URL(request.url, ORIGIN);
      const authorization = request.headers.get("authorization");
      const dpop = request.headers.get("dpop");
      const credentials = input instanceof Request ? input.credentials : init?.credentials;
      const body = request.method === "POST" ? ((await request.json()) as Record<string, any>) : {};
      // graphql-sse asks for text/event-stream alone; urql's fetch lists it among others (for incremental delivery).
      const stream = url.pathname === "/graphql" && request.headers.get("accept") === "text/event-stream";
      sent.push({
        path: url.pathname,
        authorization,
        dpop,
        credentials,
        operationName: body.operationName,
        ...(request.method === "POST" ? { body } : {}),
        ...(stream ? { stream } : {}),
      });
      if (options.dpop && url.pathname === "/api/auth/token" && dpop !== null) {
        const key = await tokenRequestKey(dpop);
        if (!key) return json({ error: "invalid_dpop_proof", error_description: "The DPoP proof is not valid." }, 400);
        const answer = route(url.pathname, authorization, body);
        if (!answer.ok) return answer;
        const { token } = (await answer.json()) as { token: string };
        boundTokens.set(token, key);
        return json({ token, token_type: "DPoP" });
      }
      if (options.dpop && url.pathname === "/graphql") {
        const refusal = await apiRefusal(request.method, url, authorization, dpop);
        if (refusal) return refusal;
      }
      if (stream) return openStream(authorization, init?.signal ?? (input instanceof Request ? input.signal : undefined));
      if (url.pathname === "/api/auth/change-password") return changePassword(body);
      return route(url.pathname, authorization, body);
    },
  };

  /** The thumbprint of the key a token request's proof is signed with, or null for a proof the endpoint refuses. */
  async function tokenRequestKey(proof: string): Promise<string | null> {
    try {
      const { claims, thumbprint } = await readProof(proof);
      const fresh = typeof claims.iat === "number" && Math.abs(claims.iat * 1000 - Date.now()) <= 60_000;
      if (claims.htm !== "GET" || claims.htu !== `${ORIGIN}/api/auth/token` || !fresh || claims.ath !== undefined) return null;
      if (!claims.jti || seenProofIds.has(claims.jti)) return null;
      seenProofIds.add(claims.jti);
      return thumbprint;
    } catch {
      return null;
    }
  }

  /** The API's 401 for a request whose token or proof it does not take (spec: WWW-Authenticate with the DPoP scheme). */
  async function apiRefusal(method: string, url: URL, authorization: string | null, proof: string | null): Promise<Response | null> {
    const [scheme, token = ""] = authorization?.split(" ") ?? [];
    const refuse = (error: "invalid_token" | "invalid_dpop_proof") =>
      new Response(
        JSON.stringify({
          errors: [
            {
              message: "Invalid or expired token.",
              extensions: { code: error === "invalid_token" ? "INVALID_TOKEN" : "INVALID_DPOP_PROOF" },
            },
          ],
        }),
        { status: 401, headers: { "content-type": "application/json", "www-authenticate": `DPoP error="${error}", algs="ES256"` } },
      );
    const boundTo = boundTokens.get(token);
    if (scheme === "Bearer") return boundTo ? refuse("invalid_token") : null;
    if (scheme !== "DPoP") return null;
    if (!boundTo) return refuse("invalid_token");
    if (!proof) return refuse("invalid_dpop_proof");
    if (proofsToRefuse > 0) {
      proofsToRefuse -= 1;
      return refuse("invalid_dpop_proof");
    }
    try {
      const { claims, thumbprint } = await readProof(proof);
      const fresh = typeof claims.iat === "number" && Math.abs(claims.iat * 1000 - Date.now()) <= 60_000;
      const right =
        claims.htm === method &&
        claims.htu === `${url.origin}${url.pathname}` &&
        claims.ath === (await sha256(token)) &&
        thumbprint === boundTo &&
        fresh &&
        !!claims.jti &&
        !seenProofIds.has(claims.jti);
      if (!right) return refuse("invalid_dpop_proof");
      seenProofIds.add(claims.jti!);
      return null;
    } catch {
      return refuse("invalid_dpop_proof");
    }
  }

  function route(path: string, authorization: string | null, body: Record<string, any>): Response {
    const user = session ? [...users.values()].find((candidate) => candidate.id === session!.userId) : undefined;
    switch (path) {
      case "/api/auth/get-session": {
        const record = serverSessions.find((candidate) => candidate.id === session?.id);
        return json(record && user ? { session: record, user: publicUser(user) } : null);
      }
      case "/api/auth/list-sessions": {
        if (!user) return json({ message: "Unauthorized", code: "UNAUTHORIZED" }, 401);
        // Better Auth lists sessions only to a session signed in within its freshAge (a day by default).
        const own = serverSessions.find((candidate) => candidate.id === session!.id)!;
        if (now() - Date.parse(own.createdAt) >= 86_400_000)
          return json({ message: "Session is not fresh", code: "SESSION_NOT_FRESH" }, 403);
        return json(backend.sessionsOf(user));
      }
      case "/api/auth/revoke-session": {
        if (!user) return json({ message: "Unauthorized", code: "UNAUTHORIZED" }, 401);
        // The auth service reads an id of one of the user's own sessions in Better Auth's `token` field.
        const record = serverSessions.find((candidate) => candidate.id === body.token && candidate.userId === user.id);
        if (record?.id === session!.id) backend.endSession();
        else dropSession(record?.id);
        return json({ status: true });
      }
      // No passkeys here (the step-up dialog asks): the browser tests run them with Chromium's authenticator.
      case "/api/auth/passkey/list-user-passkeys":
        if (!user) return json({ message: "Unauthorized", code: "UNAUTHORIZED" }, 401);
        return json([]);
      case "/api/auth/revoke-other-sessions":
        if (!user) return json({ message: "Unauthorized", code: "UNAUTHORIZED" }, 401);
        for (const other of backend.sessionsOf(user).filter((candidate) => candidate.id !== session!.id)) dropSession(other.id);
        return json({ status: true });
      case "/api/auth/sign-in/email": {
        const found = users.get(body.email);
        if (!found || found.password !== body.password) {
          return json({ code: "INVALID_EMAIL_OR_PASSWORD", message: "Invalid email or password" }, 401);
        }
        backend.signInAs(found);
        return json({ redirect: false, token: null, user: publicUser(found) });
      }
      case "/api/auth/sign-out":
        dropSession(session?.id);
        session = null;
        return json({ success: true });
      case "/api/auth/token": {
        if (!user) return json({ message: "Unauthorized" }, 401);
        const iat = Math.floor(now() / 1000);
        const token = fakeJwt({ sub: user.id, iat, exp: iat + lifetime, jti: String(++sequence), role: user.role });
        validTokens.set(token, user.id);
        tokenSecondFactorAt.set(token, session!.secondFactorAt);
        return json({ token });
      }
      // Signed in, a right code marks this session's second factor verified now (its next token says so).
      case "/api/auth/two-factor/verify-totp":
      case "/api/auth/two-factor/verify-backup-code": {
        if (!user) return json({ message: "Unauthorized", code: "UNAUTHORIZED" }, 401);
        const totp = path.endsWith("verify-totp");
        const backupCodes = user.secondFactor?.backupCodes ?? [];
        const right = totp ? body.code === user.secondFactor?.code : backupCodes.includes(body.code);
        if (!user.secondFactor || !right) {
          return totp
            ? json({ code: "INVALID_CODE", message: "Invalid code" }, 401)
            : json({ code: "INVALID_BACKUP_CODE", message: "Invalid backup code" }, 401);
        }
        if (!totp) backupCodes.splice(backupCodes.indexOf(body.code), 1);
        session!.secondFactorAt = now();
        return json({ token: null, user: publicUser(user) });
      }
      case "/api/auth/admin/ban-user": {
        if (user?.role !== "admin") return json({ message: "Forbidden", code: "FORBIDDEN" }, 403);
        if (!recent(session!.secondFactorAt)) {
          const { message, extensions } = stepUpRefusal();
          return json({ code: extensions.code, message, maxAge: extensions.maxAge }, 403);
        }
        bans.push({ userId: body.userId, banReason: body.banReason });
        return json({ user: { id: body.userId, banned: true, banReason: body.banReason } });
      }
      case "/graphql":
        return graphql(authorization, body);
      default:
        return json({ message: "Not found" }, 404);
    }
  }

  /**
   * Better Auth's /change-password: with revokeOtherSessions every session of the user is deleted, this one
   * included, and a new one is created whose cookie comes with the answer.
   */
  async function changePassword(body: Record<string, any>): Promise<Response> {
    const user = session ? [...users.values()].find((candidate) => candidate.id === session!.userId) : undefined;
    if (!user) return json({ message: "Unauthorized", code: "UNAUTHORIZED" }, 401);
    if (body.currentPassword !== user.password) return json({ message: "Invalid password", code: "INVALID_PASSWORD" }, 400);
    user.password = body.newPassword;
    if (body.revokeOtherSessions === true) {
      for (const ended of backend.sessionsOf(user)) dropSession(ended.id);
      session = null;
      for (const [token, owner] of validTokens) if (owner === user.id) validTokens.delete(token);
      for (const open of streams) if (open.userId === user.id) endStream(open, "complete");
      await passwordChangeHeld;
      backend.signInAs(user);
    }
    return json({ token: null, user: publicUser(user) });
  }

  /** The API's GraphQL SSE answer: 401 for a token it does not take, otherwise a stream of the user's task events. */
  function openStream(authorization: string | null, signal: AbortSignal | null | undefined): Response {
    const userId = validTokens.get(authorization?.replace(/^(Bearer|DPoP) /, "") ?? "");
    if (!userId) return json({ errors: [{ message: "Invalid or expired token.", extensions: { code: "INVALID_TOKEN" } }] }, 401);
    let record: (typeof streams)[number];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        record = { userId, authorization, closed: false, controller };
        streams.push(record);
        controller.enqueue(encoder.encode(":\n\n"));
      },
      cancel() {
        record.closed = true;
      },
    });
    signal?.addEventListener("abort", () => endStream(record, "aborted"));
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  }

  function graphql(authorization: string | null, body: Record<string, any>): Response {
    const token = authorization?.replace(/^(Bearer|DPoP) /, "");
    const userId = token ? validTokens.get(token) : undefined;
    if (!userId) {
      return json({ errors: [{ message: "Invalid or expired token.", extensions: { code: "INVALID_TOKEN" } }] }, 401);
    }
    const mine = tasks.get(userId)!;
    const variables = body.variables ?? {};
    switch (body.operationName) {
      case "AdminUsers": {
        const caller = [...users.values()].find((candidate) => candidate.id === userId)!;
        if (caller.role !== "admin") {
          return json({ data: { adminUsers: null }, errors: [{ message: "Forbidden.", extensions: { code: "FORBIDDEN" } }] });
        }
        if (!recent(tokenSecondFactorAt.get(token!))) return json({ data: { adminUsers: null }, errors: [stepUpRefusal()] });
        return json({
          data: {
            adminUsers: {
              __typename: "AdminUserConnection",
              edges: [...users.values()].reverse().map((listed) => {
                const ban = bans.findLast((candidate) => candidate.userId === listed.id);
                return {
                  __typename: "AdminUserEdge",
                  node: {
                    __typename: "AdminUser",
                    id: listed.id,
                    name: listed.name,
                    email: listed.email,
                    emailVerified: true,
                    createdAt: new Date(0).toISOString(),
                    banned: Boolean(ban),
                    banReason: ban?.banReason ?? null,
                    lastActiveAt: null,
                    taskCount: tasks.get(listed.id)!.length,
                  },
                };
              }),
              pageInfo: { __typename: "PageInfo", hasNextPage: false, endCursor: null },
            },
          },
        });
      }
      case "Tasks": {
        const filtered = mine.filter((task) => variables.filter?.completed === undefined || task.completed === variables.filter.completed);
        const first = variables.first ?? 20;
        return json({
          data: {
            tasks: {
              __typename: "TaskConnection",
              totalCount: filtered.length,
              edges: filtered
                .slice(0, first)
                .map((task) => ({ __typename: "TaskEdge", cursor: task.id, node: { __typename: "Task", ...task } })),
              pageInfo: {
                __typename: "PageInfo",
                hasNextPage: filtered.length > first,
                endCursor: filtered[Math.min(first, filtered.length) - 1]?.id ?? null,
              },
            },
          },
        });
      }
      case "Task": {
        const task = mine.find((candidate) => candidate.id === variables.id);
        return json({ data: { task: task ? { __typename: "Task", ...task } : null } });
      }
      case "CreateTask": {
        const title = String(variables.input.title).trim();
        if (!title)
          return json({ data: null, errors: [{ message: "Title is required.", extensions: { code: "BAD_USER_INPUT", field: "title" } }] });
        const stamp = new Date(now() + ++sequence).toISOString();
        const task = {
          id: `task-${sequence}`,
          title,
          description: variables.input.description ?? "",
          completed: false,
          dueAt: variables.input.dueAt ?? null,
          createdAt: stamp,
          updatedAt: stamp,
        };
        mine.unshift(task);
        return json({ data: { createTask: { __typename: "Task", ...task } } });
      }
      case "SecurityEvents": {
        // Paged by position (the cursor is the index); the real grouping and masking are tested on the server.
        const entries = securityEvents.get(userId) ?? [
          { id: `event-${userId}`, kind: "SIGN_IN", actor: "SELF" as const, at: new Date(now()).toISOString(), ipAddress: "127.0.0.1" },
        ];
        const start = variables.after ? Number(String(variables.after).replace("cursor-", "")) + 1 : 0;
        const page = entries.slice(start, start + variables.first);
        const edges = page.map((entry, index) => ({
          __typename: "AuditEventEdge",
          cursor: `cursor-${start + index}`,
          node: {
            __typename: "AuditEvent",
            ipAddress: null,
            userAgent: null,
            detail: "{}",
            count: 1,
            countCapped: false,
            firstAt: entry.at,
            ...entry,
          },
        }));
        return json({
          data: {
            me: {
              __typename: "User",
              id: userId,
              securityEvents: {
                __typename: "AuditEventConnection",
                edges,
                pageInfo: {
                  __typename: "PageInfo",
                  hasNextPage: start + page.length < entries.length,
                  endCursor: edges.at(-1)?.cursor ?? null,
                },
              },
            },
          },
        });
      }
      default:
        return json({ errors: [{ message: `The fake backend does not know ${body.operationName}.` }] }, 400);
    }
  }

  return backend;
}

function publicUser(user: FakeUser) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    twoFactorEnabled: Boolean(user.secondFactor),
    emailVerified: false,
    createdAt: new Date(0).toISOString(),
    updatedAt: new Date(0).toISOString(),
  };
}

export type FakeBackend = ReturnType<typeof createFakeBackend>;
