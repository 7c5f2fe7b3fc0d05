// For component tests: the auth service and the API as the browser sees them, faked at fetch. It keeps
// users, one browser's session cookie, issued tokens and tasks in memory, and counts every request, so
// tests can say what the app sent. The real services are exercised by the browser tests.

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
}

export interface SentRequest {
  path: string;
  authorization: string | null;
  /** What the app asked fetch to do with cookies (undefined: it said nothing, so the browser's default). */
  credentials: RequestCredentials | undefined;
  operationName?: string;
  /** A POST's JSON body. */
  body?: Record<string, any>;
}

/** A Better Auth session as list-sessions returns it (this browser's, or one on another device). */
export interface FakeSession {
  id: string;
  token: string;
  userId: string;
  userAgent: string | null;
  ipAddress: string | null;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
}

export type FakeDevice = Partial<Pick<FakeSession, "userAgent" | "ipAddress" | "createdAt" | "updatedAt">>;

/** The user agent of this browser's sessions unless a test names another. */
export const THIS_BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0";

const ORIGIN = "http://localhost:5173";

function base64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fakeJwt(claims: { sub: string; iat: number; exp: number; jti?: string }): string {
  return `${base64url({ alg: "EdDSA", kid: "test" })}.${base64url(claims)}.signature`;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

export function createFakeBackend(options: { tokenLifetimeSeconds?: number; sessionLifetimeSeconds?: number; now?: () => number } = {}) {
  const lifetime = options.tokenLifetimeSeconds ?? 900;
  const sessionLifetimeMs = (options.sessionLifetimeSeconds ?? 86_400) * 1000;
  const now = options.now ?? Date.now;
  const users = new Map<string, FakeUser>();
  const tasks = new Map<string, FakeTask[]>();
  const validTokens = new Map<string, string>(); // token -> user id
  let session: { id: string; userId: string } | null = null;
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
      token: `token-of-${id}`,
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

  const backend = {
    sent,
    /** Requests to a path, e.g. "/api/auth/token" or "/graphql". */
    requests: (path: string) => sent.filter((request) => request.path === path),
    addUser(email: string, password = "a long password"): FakeUser {
      const user = { id: `user-${++sequence}`, email, name: email.split("@")[0]!, password };
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
    signInAs(user: FakeUser, device: FakeDevice = {}) {
      session = { id: newSession(user.id, device).id, userId: user.id };
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
    /** Every token issued so far is refused from now on (e.g. keys rotated); new ones still work. */
    revokeTokens() {
      validTokens.clear();
    },
    fetch: async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = input instanceof Request ? input : new Request(new URL(String(input), ORIGIN), init);
      const url = new URL(request.url, ORIGIN);
      const authorization = request.headers.get("authorization");
      const credentials = input instanceof Request ? input.credentials : init?.credentials;
      const body = request.method === "POST" ? ((await request.json()) as Record<string, any>) : {};
      sent.push({ path: url.pathname, authorization, credentials, operationName: body.operationName, ...(request.method === "POST" ? { body } : {}) });
      return route(url.pathname, authorization, body);
    },
  };

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
        if (now() - Date.parse(own.createdAt) >= 86_400_000) return json({ message: "Session is not fresh", code: "SESSION_NOT_FRESH" }, 403);
        return json(backend.sessionsOf(user));
      }
      case "/api/auth/revoke-session": {
        if (!user) return json({ message: "Unauthorized", code: "UNAUTHORIZED" }, 401);
        const record = serverSessions.find((candidate) => candidate.token === body.token && candidate.userId === user.id);
        if (record?.id === session!.id) backend.endSession();
        else dropSession(record?.id);
        return json({ status: true });
      }
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
        return json({ redirect: false, token: session!.id, user: publicUser(found) });
      }
      case "/api/auth/sign-out":
        dropSession(session?.id);
        session = null;
        return json({ success: true });
      case "/api/auth/token": {
        if (!user) return json({ message: "Unauthorized" }, 401);
        const iat = Math.floor(now() / 1000);
        const token = fakeJwt({ sub: user.id, iat, exp: iat + lifetime, jti: String(++sequence) });
        validTokens.set(token, user.id);
        return json({ token });
      }
      case "/graphql":
        return graphql(authorization, body);
      default:
        return json({ message: "Not found" }, 404);
    }
  }

  function graphql(authorization: string | null, body: Record<string, any>): Response {
    const token = authorization?.replace(/^Bearer /, "");
    const userId = token ? validTokens.get(token) : undefined;
    if (!userId) {
      return json({ errors: [{ message: "Invalid or expired token.", extensions: { code: "INVALID_TOKEN" } }] }, 401);
    }
    const mine = tasks.get(userId)!;
    const variables = body.variables ?? {};
    switch (body.operationName) {
      case "Tasks": {
        const filtered = mine.filter((task) => variables.filter?.completed === undefined || task.completed === variables.filter.completed);
        const first = variables.first ?? 20;
        return json({
          data: {
            tasks: {
              __typename: "TaskConnection",
              totalCount: filtered.length,
              edges: filtered.slice(0, first).map((task) => ({ __typename: "TaskEdge", cursor: task.id, node: { __typename: "Task", ...task } })),
              pageInfo: { __typename: "PageInfo", hasNextPage: filtered.length > first, endCursor: filtered[Math.min(first, filtered.length) - 1]?.id ?? null },
            },
          },
        });
      }
      case "CreateTask": {
        const title = String(variables.input.title).trim();
        if (!title) return json({ data: null, errors: [{ message: "Title is required.", extensions: { code: "BAD_USER_INPUT", field: "title" } }] });
        const stamp = new Date(now() + ++sequence).toISOString();
        const task = { id: `task-${sequence}`, title, description: variables.input.description ?? "", completed: false, dueAt: variables.input.dueAt ?? null, createdAt: stamp, updatedAt: stamp };
        mine.unshift(task);
        return json({ data: { createTask: { __typename: "Task", ...task } } });
      }
      default:
        return json({ errors: [{ message: `The fake backend does not know ${body.operationName}.` }] }, 400);
    }
  }

  return backend;
}

function publicUser(user: FakeUser) {
  return { id: user.id, email: user.email, name: user.name, emailVerified: false, createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString() };
}

export type FakeBackend = ReturnType<typeof createFakeBackend>;
