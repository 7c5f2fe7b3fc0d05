// One load run with autocannon: a fixed number of connections, each cycling through the users' tokens
// (starting at a different user per connection), every answer checked for HTTP status and an `errors`
// field, because GraphQL errors arrive with HTTP 200. A server that takes DPoP-bound tokens (catalogue.ts:
// credentials "dpop") gets each user's bound token and a proof made inside autocannon for each request
// (setupRequest), so no proof is ever sent twice and the load tool pays for making them as a client would.
import autocannon from "autocannon";
import type { BenchUser } from "./bench-users.ts";
import { makeDpopProof } from "./dpop-client.ts";
import { BASE_PAGE_SIZE } from "./load-shape.ts";
import { dialects, type HttpRequest, type ScenarioName } from "./scenarios.ts";
import type { ServerEntry } from "./servers/catalogue.ts";
import { writeScenarioTitle } from "./seed-tasks.ts";

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  /** Answers that were not HTTP 200 or carried `errors`, plus connection errors and timeouts. */
  failures: number;
  firstFailure?: string;
}

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  /** Tasks per read request (the read scenario's `first`); the base page of 20 when not given. */
  pageSize?: number;
}

interface Cycle {
  requests: autocannon.Request[];
  /** Requests per user in the cycle (write: create, then complete). */
  stride: number;
}

export async function runLoad(
  scenario: ScenarioName,
  entry: ServerEntry,
  baseUrl: string,
  users: BenchUser[],
  options: LoadOptions,
): Promise<LoadResult> {
  let failures = 0;
  let firstFailure: string | undefined;
  const check = (status: number, body: string) => {
    if (status === 200 && !body.includes('"errors":')) return true;
    failures += 1;
    firstFailure ??= `HTTP ${status}: ${body.slice(0, 300)}`;
    return false;
  };
  const present = entry.credentials === "dpop" ? withDpopProofs(baseUrl) : asBearer;
  const cycle = buildCycle(scenario, entry, users, options.pageSize ?? BASE_PAGE_SIZE, check, present);
  let client = 0;
  const result = await autocannon({
    url: baseUrl,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 10,
    requests: cycle.requests,
    // Connection k starts at user k (mod users), so all users are in flight at once from the start.
    setupClient: (connection) => {
      const start = ((client++ % users.length) * cycle.stride) % cycle.requests.length;
      connection.setRequests([...cycle.requests.slice(start), ...cycle.requests.slice(0, start)].map((request) => ({ ...request })));
    },
  });
  const transportFailures = result.errors + result.timeouts + result.non2xx;
  if (transportFailures > 0) firstFailure ??= `${result.errors} connection errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`;
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    failures: failures + result.errors + result.timeouts,
    firstFailure,
  };
}

/** Per connection: the id the last create answered, for the complete that follows it. */
interface WriteContext {
  taskId?: string;
}

function asRequest(request: HttpRequest): autocannon.Request {
  return { method: request.method, path: request.path, headers: request.headers, body: request.body };
}

/** How a request carries the user's credentials: as the scenario built it (a bearer token), or with DPoP. */
type Presenter = (request: autocannon.Request, user: BenchUser) => autocannon.Request;

const asBearer: Presenter = (request) => request;

/**
 * The user's DPoP-bound token under the DPoP scheme, and a `DPoP` header made afresh each time autocannon
 * builds the request to send it (after any setupRequest the scenario has, e.g. the write's task id).
 */
function withDpopProofs(baseUrl: string): Presenter {
  return (request, user) => {
    const inner = request.setupRequest;
    if (typeof inner === "string") throw new Error("a setupRequest given by name cannot be wrapped");
    const url = `${baseUrl}${request.path ?? "/"}`;
    return {
      ...request,
      headers: { ...request.headers, authorization: `DPoP ${user.dpop.token}` },
      setupRequest: (built: autocannon.Request, context: object) => {
        const ready = inner ? inner(built, context) : built;
        const proof = makeDpopProof(user.dpop.key, { method: ready.method ?? "POST", url, accessToken: user.dpop.token });
        return { ...ready, headers: { ...ready.headers, dpop: proof } };
      },
    };
  };
}

function buildCycle(
  scenario: ScenarioName,
  entry: ServerEntry,
  users: BenchUser[],
  pageSize: number,
  check: (status: number, body: string) => boolean,
  present: Presenter,
): Cycle {
  const requests = dialects[entry.dialect];
  const onResponse = (status: number, body: string) => void check(status, body);
  if (scenario === "read" || scenario === "deep") {
    const build = (user: BenchUser) => (scenario === "read" ? requests.read(user, pageSize) : requests.deep(user));
    return { requests: users.map((user) => present({ ...asRequest(build(user)), onResponse }, user)), stride: 1 };
  }
  return {
    stride: 2,
    requests: users.flatMap((user, index) => [
      present(
        {
          ...asRequest(requests.create(user, writeScenarioTitle(index))),
          onResponse: (status: number, body: string, context: object) => {
            (context as WriteContext).taskId = check(status, body) ? requests.readCreatedId(JSON.parse(body)) : undefined;
          },
        },
        user,
      ),
      present(
        {
          ...asRequest(requests.complete(user, "none")),
          // A failed create leaves no id: completing "none" then fails too and is counted, never hidden.
          setupRequest: (request: autocannon.Request, context: object) => ({
            ...request,
            body: requests.complete(user, (context as WriteContext).taskId ?? "none").body,
          }),
          onResponse,
        },
        user,
      ),
    ]),
  };
}
