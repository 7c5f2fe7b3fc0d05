// OpenTelemetry traces, as an operator gets them: the real auth and API programs, started with
// OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP/HTTP receiver of this test's own, export their spans
// there. One GraphQL request sent with a traceparent of the test's choosing is one trace: the API's HTTP
// server span, its token verification, the GraphQL operation and its SQL, and the auth service's answer
// to the API's JWKS fetch, each span's parent in the trace. No span holds the token, the email address,
// the password, the session cookie or a statement's parameter values. Without the variable, nothing is sent.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { freePort } from "../src/net/free-port.ts";
import { routeClass } from "../src/tracing/route-class.ts";
import { mailedLink } from "./support/mail-files.ts";
import { startServiceProcess, type ServiceProcess } from "./support/service-process.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";
import { PASSWORD, sessionCookie, SPA_ORIGIN } from "./support/test-system.ts";

/** A span as the OTLP/HTTP JSON exporter sends it (ids in hex), with its service's name. */
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
  events?: { name: string; attributes?: { key: string; value: Record<string, unknown> }[] }[];
  status?: { code?: number; message?: string };
}

interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: Omit<ReceivedSpan, "service">[] }[];
  }[];
}

/** OTLP's span kinds. */
const SERVER = 2;

interface Receiver {
  url: string;
  spans: ReceivedSpan[];
  /** Every request body as it arrived, for the search for secrets. */
  bodies: string[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      bodies.push(body);
      if (request.url === "/v1/traces") {
        for (const resourceSpans of (JSON.parse(body) as ExportRequest).resourceSpans ?? []) {
          const service = String(
            resourceSpans.resource?.attributes?.find((attribute) => attribute.key === "service.name")?.value.stringValue,
          );
          for (const scope of resourceSpans.scopeSpans ?? []) for (const span of scope.spans ?? []) spans.push({ ...span, service });
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    bodies,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

let receiver: Receiver;
let silentReceiver: Receiver;
let database: TestDatabase;
let mailDir: string;
let auth: ServiceProcess;
let api: ServiceProcess;
let untracedApi: ServiceProcess;
let authUrl: string;
let apiUrl: string;
let untracedApiUrl: string;

const email = `traced-${hex(4)}@example.com`;
let cookie: string;
let token: string;
/** A reset link's token, which travels in the path. */
const resetPathToken = `Reset${hex(12)}`;
/** The e-mail verification link's token, which travels in a query string. */
let verificationToken: string;
/** A token the API refused (its signature altered). */
let forgedToken = "";
/** The token request's trace, chosen here. */
const tokenTrace = { traceId: hex(16), parentId: hex(8) };

beforeAll(async () => {
  [receiver, silentReceiver, database] = await Promise.all([startReceiver(), startReceiver(), createTestDatabase()]);
  mailDir = mkdtempSync(path.join(tmpdir(), "tasks-tracing-mail-"));
  const [authPort, apiPort, untracedApiPort] = await Promise.all([freePort(), freePort(), freePort()]);
  authUrl = `http://127.0.0.1:${authPort}`;
  apiUrl = `http://127.0.0.1:${apiPort}/graphql`;
  untracedApiUrl = `http://127.0.0.1:${untracedApiPort}/graphql`;
  const common = { NODE_ENV: "development", HOST: "127.0.0.1", DATABASE_URL: database.url, AUTH_BASE_URL: authUrl, JWT_ISSUER: authUrl };
  auth = await startServiceProcess(
    "src/auth/main.ts",
    {
      ...common,
      AUTH_PORT: String(authPort),
      BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
      MAIL_CATCHER_DIR: mailDir,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    },
    "Auth service is running",
  );
  [api, untracedApi] = await Promise.all([
    startServiceProcess(
      "src/api/main.ts",
      { ...common, API_PORT: String(apiPort), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: "traced-api" },
      "API service is running",
    ),
    // The signal-specific variable the OpenTelemetry SDK would read by itself, were it loaded: it must not be.
    startServiceProcess(
      "src/api/main.ts",
      { ...common, API_PORT: String(untracedApiPort), OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${silentReceiver.url}/v1/traces` },
      "API service is running",
    ),
  ]);

  const post = (pathname: string, body: unknown) =>
    fetch(`${authUrl}${pathname}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: SPA_ORIGIN },
      body: JSON.stringify(body),
    });
  expect((await post("/api/auth/sign-up/email", { email, password: PASSWORD, name: "Traced", callbackURL: `${SPA_ORIGIN}/` })).status).toBe(
    200,
  );
  const verificationLink = await mailedLink(mailDir, email, "Verify your email for Tasks");
  verificationToken = String(new URL(verificationLink).searchParams.get("token"));
  await fetch(verificationLink, { redirect: "manual" });
  // A password reset link's token travels in the path: what an opened link sends, with a token of the test's own.
  await fetch(`${authUrl}/api/auth/reset-password/${resetPathToken}?callbackURL=${encodeURIComponent(`${SPA_ORIGIN}/reset`)}`, {
    redirect: "manual",
  });
  const signIn = await post("/api/auth/sign-in/email", { email, password: PASSWORD });
  expect(signIn.status).toBe(200);
  cookie = sessionCookie(signIn);
  const tokenAnswer = await fetch(`${authUrl}/api/auth/token`, {
    headers: { cookie, origin: SPA_ORIGIN, traceparent: `00-${tokenTrace.traceId}-${tokenTrace.parentId}-01` },
  });
  expect(tokenAnswer.status).toBe(200);
  token = ((await tokenAnswer.json()) as { token: string }).token;
}, 180_000);

afterAll(async () => {
  await Promise.all([auth?.stop(), api?.stop(), untracedApi?.stop()]);
  await Promise.all([receiver?.close(), silentReceiver?.close()]);
  await database?.drop();
  if (mailDir) rmSync(mailDir, { recursive: true, force: true });
});

const CREATE = "mutation CreateTracedTask($title: String!) { createTask(input: { title: $title }) { id } }";

function sendGraphQL(url: string, traceparent: string, title: string): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, traceparent },
    body: JSON.stringify({ query: CREATE, variables: { title } }),
  });
}

function attribute(span: ReceivedSpan, key: string): unknown {
  const value = span.attributes?.find((entry) => entry.key === key)?.value;
  return value === undefined ? undefined : Object.values(value)[0];
}

/** A statement's span: its SQL text under the current convention's name (db.query.text, formerly db.statement). */
const sqlText = (span: ReceivedSpan): string | undefined => {
  const text = attribute(span, "db.query.text") ?? attribute(span, "db.statement");
  return typeof text === "string" ? text : undefined;
};
const isSql = (span: ReceivedSpan) => sqlText(span) !== undefined;

/** Waits for the batch (a second's delay) to reach the receiver; returns the trace's spans then. */
async function spansOf(traceId: string, until: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const spans = receiver.spans.filter((span) => span.traceId === traceId);
    if (until(spans) || Date.now() > deadline) return spans;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every span's parent is the caller's span or another span of the trace; returns the chain of names from `span` up. */
function ancestry(span: ReceivedSpan, spans: ReceivedSpan[]): string[] {
  const names = [span.name];
  let current = span;
  while (current.parentSpanId) {
    const parent = spans.find((candidate) => candidate.spanId === current.parentSpanId);
    if (!parent) break;
    names.push(parent.name);
    current = parent;
  }
  return names;
}

test("one GraphQL request with a traceparent is one trace: server span, token verification, operation, SQL, and the JWKS fetch", async () => {
  const traceId = hex(16);
  const callerSpanId = hex(8);
  const title = `traced title ${hex(6)}`;
  const answer = await sendGraphQL(apiUrl, `00-${traceId}-${callerSpanId}-01`, title);
  expect(answer.status).toBe(200);
  expect(((await answer.json()) as { errors?: unknown }).errors).toBeUndefined();

  const spans = await spansOf(
    traceId,
    (received) =>
      received.some((span) => span.name === "POST /graphql" && span.kind === SERVER) &&
      received.some((span) => span.name === "mutation CreateTracedTask") &&
      received.some((span) => span.service === "tasks-auth" && span.name === "GET /api/auth/jwks") &&
      received.filter(isSql).length > 0,
  );
  console.log(`trace ${traceId}:\n  ${spans.map((span) => `${span.service}: ${ancestry(span, spans).join(" <- ")}`).join("\n  ")}`);

  const server = spans.find((span) => span.name === "POST /graphql" && span.kind === SERVER);
  expect(server?.service).toBe("traced-api");
  // The server span continues the caller's trace: its parent is the caller's span.
  expect(server?.parentSpanId).toBe(callerSpanId);
  // Every span hangs, through parents in this trace, from the caller's span.
  for (const span of spans) {
    const chain = [span];
    let current = span;
    while (current.parentSpanId && current.parentSpanId !== callerSpanId) {
      const parent = spans.find((candidate) => candidate.spanId === current.parentSpanId);
      expect(parent, `parent of ${span.name}`).toBeDefined();
      if (!parent) break;
      chain.push(parent);
      current = parent;
    }
    expect(current.parentSpanId, `root of ${span.name}`).toBe(callerSpanId);
  }

  const verification = spans.find((span) => span.name === "token.verify");
  expect(verification && attribute(verification, "token.verification.result")).toBe("valid");
  expect(verification && ancestry(verification, spans)).toContain("POST /graphql");

  const operation = spans.find((span) => span.name === "mutation CreateTracedTask");
  expect(operation && attribute(operation, "graphql.operation.name")).toBe("CreateTracedTask");

  // The task's INSERT runs under the operation, its values as placeholders.
  const insert = spans.filter(isSql).find((span) => /insert into/i.test(String(sqlText(span))));
  expect(insert && ancestry(insert, spans)).toContain("mutation CreateTracedTask");
  expect(insert && sqlText(insert)).toContain("$1");

  // The API's fetch of the JWKS carried the trace on: the auth service's answer is in it, under token.verify.
  const jwks = spans.find((span) => span.service === "tasks-auth" && span.name === "GET /api/auth/jwks");
  expect(jwks && ancestry(jwks, spans)).toContain("token.verify");

  // No statement's values: the title is only ever a parameter, and no span has an attribute for parameters.
  expect(receiver.bodies.join("\n")).not.toContain(title);
  const keys = new Set(receiver.spans.flatMap((span) => (span.attributes ?? []).map((entry) => entry.key)));
  expect([...keys].filter((key) => /param/i.test(key))).toEqual([]);
}, 60_000);

test("the auth service's token issuing is one span with its SQL under it", async () => {
  const spans = await spansOf(tokenTrace.traceId, (received) => received.some((span) => span.name === "GET /api/auth/token"));
  const issuing = spans.find((span) => span.name === "GET /api/auth/token" && span.kind === SERVER);
  expect(issuing?.service).toBe("tasks-auth");
  expect(issuing?.parentSpanId).toBe(tokenTrace.parentId);
  const sql = spans.filter(isSql);
  expect(sql.length).toBeGreaterThan(0);
  for (const statement of sql) expect(ancestry(statement, spans)).toContain("GET /api/auth/token");
});

test("a refused token's verification span says invalid and why, by class", async () => {
  const traceId = hex(16);
  // The real token with its signature's first characters changed.
  const [header, payload, signature = ""] = token.split(".");
  forgedToken = `${header}.${payload}.${signature.startsWith("AAAA") ? "BBBB" : "AAAA"}${signature.slice(4)}`;
  const answer = await fetch(apiUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${forgedToken}`, traceparent: `00-${traceId}-${hex(8)}-01` },
    body: JSON.stringify({ query: "{ me { id } }" }),
  });
  expect(answer.status).toBe(401);
  const spans = await spansOf(traceId, (received) => received.some((span) => span.name === "token.verify"));
  const verification = spans.find((span) => span.name === "token.verify");
  expect(verification && attribute(verification, "token.verification.result")).toBe("invalid");
  expect(verification && attribute(verification, "token.verification.reason")).toBe("signature");
});

test("no span holds the token, the email address, the password, the session cookie or a link's token", async () => {
  // Everything the receiver got, sign-up, sign-in and the requests above included, as it arrived.
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // the last batch
  const everything = receiver.bodies.join("\n");
  expect(verificationToken.length).toBeGreaterThan(10);
  expect(receiver.spans.length).toBeGreaterThan(0);
  const cookieValues = cookie.split("; ").map((pair) => pair.slice(pair.indexOf("=") + 1));
  const [localPart] = email.split("@");
  const secrets = {
    token,
    email,
    "email's local part": String(localPart),
    password: PASSWORD,
    "verification link's token": verificationToken,
    "reset link's token": resetPathToken,
    "refused token": forgedToken,
    ...Object.fromEntries(cookieValues.map((value, index) => [`cookie ${index}`, value])),
  };
  // A JWT's signature alone is enough to find one cut short; a cookie's value may be URL-encoded.
  const tokenSignature = token.split(".")[2] ?? token;
  for (const [name, secret] of Object.entries({ ...secrets, "token's signature": tokenSignature })) {
    expect(everything.includes(secret), `${name} found in exported spans`).toBe(false);
    expect(everything.includes(encodeURIComponent(secret)), `${name} (URL-encoded) found in exported spans`).toBe(false);
  }
}, 30_000);

test("without OTEL_EXPORTER_OTLP_ENDPOINT nothing is sent, even to the SDK's own signal-specific variable", async () => {
  const traceId = hex(16);
  const answer = await sendGraphQL(untracedApiUrl, `00-${traceId}-${hex(8)}-01`, `untraced ${hex(4)}`);
  expect(answer.status).toBe(200);
  // Three times the export delay: a batch would have gone by then.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(silentReceiver.bodies).toEqual([]);
  expect(receiver.spans.filter((span) => span.traceId === traceId)).toEqual([]);
});

test("the SPA's traceparent is allowed across origins: the API's CORS preflight lists it", async () => {
  const preflight = await fetch(apiUrl, {
    method: "OPTIONS",
    headers: { origin: SPA_ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "authorization,traceparent" },
  });
  expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase().split(/,\s*/)).toContain("traceparent");
});

// Last of the program tests: it stops the traced API.
test("spans still in the batch are sent when the program is stopped", async () => {
  const traceId = hex(16);
  const answer = await sendGraphQL(apiUrl, `00-${traceId}-${hex(8)}-01`, `last ${hex(4)}`);
  expect(answer.status).toBe(200);
  // Well inside the batch's one-second delay: only the flush on SIGTERM can send these.
  await api.stop();
  expect(receiver.spans.filter((span) => span.traceId === traceId).map((span) => span.name)).toContain("POST /graphql");
});

test.each([
  ["/graphql", "/graphql"],
  ["/graphql?query=%7Bme%7Bid%7D%7D", "/graphql"],
  ["/api/auth/token", "/api/auth/token"],
  ["/api/auth/verify-email?token=eyJhbGciOi", "/api/auth/verify-email"],
  ["/api/auth/reset-password/abcdefghijklmnopqrstuvwx", "/api/auth/reset-password/:token"],
  ["/tasks/cm9x7k2p40000abcd1234efgh", "/tasks/:param"],
  ["/assets/index-B1a2C3d4.js", "/assets/:param"],
  ["/a/b/c/d/e/f/g", "/a/b/c/d/e/*"],
])("an HTTP span is named by route class: %s is %s", (path, route) => {
  expect(routeClass(path)).toBe(route);
});
