// What the kit asks of a resource server, in its own words. A dialect (one file under dialects/) turns each
// operation into the server's requests and its answer into an `Answer`; the checks read only Answers.
// To run the kit against your own API, write one: six functions and a classification of their answers.

/** The task as the contract names its fields. */
export interface Task {
  id: string;
  title: string;
  description: string | null;
  completed: boolean;
  dueAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface TaskInput {
  title?: string;
  description?: string;
  dueAt?: string | null;
  completed?: boolean;
}

/**
 * data: the operation was served. missing: "no such row" (a null read, NOT_FOUND, a 404): the answer a
 * stranger's row must get too. refused: anything else (401, 400, 403, 503, a validation error...).
 */
export type Outcome = "data" | "missing" | "refused";

export interface Answer<T> {
  outcome: Outcome;
  status: number;
  /** The WWW-Authenticate header, if any. */
  challenge: string | null;
  data?: T;
  /** The error code or detail the server gave, for the report. */
  code?: string;
  /** The raw body: for "no data in a refusal" and for comparing a stranger's answer with a missing one. */
  text: string;
}

/**
 * Makes the `DPoP` header for one request (RFC 9449), given its method and its whole URL (query included: the
 * maker leaves it out of `htu`). Several values are sent as several headers; null sends none.
 */
export type ProofMaker = (method: string, url: string) => Promise<string | string[] | null>;

/** An `Authorization` header value with a proof made for each request the operation sends. */
export interface WithProof {
  authorization: string | null;
  proof: ProofMaker;
}

/**
 * The whole Authorization header value to send (`Bearer <token>`, or anything malformed), or null for none;
 * or one with a `DPoP` proof per request.
 */
export type Authorization = string | null | WithProof;

/** The request headers that carry `authorization` on a request of this method to this URL. */
export async function credentialHeaders(authorization: Authorization, method: string, url: string): Promise<[string, string][]> {
  if (authorization === null) return [];
  if (typeof authorization === "string") return [["authorization", authorization]];
  const proof = await authorization.proof(method, url);
  const proofs = proof === null ? [] : Array.isArray(proof) ? proof : [proof];
  return [
    ...(authorization.authorization === null ? [] : [["authorization", authorization.authorization] as [string, string]]),
    ...proofs.map((value): [string, string] => ["dpop", value]),
  ];
}

export interface Dialect {
  readonly name: string;
  whoAmI(authorization: Authorization): Promise<Answer<{ id: string; role: string | null }>>;
  /** The same question with the token in the URL (`?access_token=`) and no header: the contract refuses it (400). */
  whoAmIWithTokenInUrl(token: string): Promise<Answer<{ id: string; role: string | null }>>;
  /** Every task the caller can list (all pages). */
  list(authorization: Authorization): Promise<Answer<Task[]>>;
  get(authorization: Authorization, id: string): Promise<Answer<Task>>;
  /** `input` may carry fields the server does not know (an owner a client tries to choose): send them as given. */
  create(authorization: Authorization, input: TaskInput & Record<string, unknown>): Promise<Answer<Task>>;
  update(authorization: Authorization, id: string, input: TaskInput & Record<string, unknown>): Promise<Answer<Task>>;
  delete(authorization: Authorization, id: string): Promise<Answer<null>>;
}

export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/**
 * One dialect over several instances of the same server, each call to the next in turn: a task created
 * through one instance is read, changed and listed through the others, as behind a load balancer.
 */
export function inTurn(instances: Dialect[]): Dialect {
  const [only] = instances;
  if (!only) throw new Error("no instance to ask");
  if (instances.length === 1) return only;
  let next = 0;
  const pick = (): Dialect => {
    const instance = instances[next % instances.length] as Dialect;
    next += 1;
    return instance;
  };
  return {
    name: only.name,
    whoAmI: (authorization) => pick().whoAmI(authorization),
    whoAmIWithTokenInUrl: (token) => pick().whoAmIWithTokenInUrl(token),
    list: (authorization) => pick().list(authorization),
    get: (authorization, id) => pick().get(authorization, id),
    create: (authorization, input) => pick().create(authorization, input),
    update: (authorization, id, input) => pick().update(authorization, id, input),
    delete: (authorization, id) => pick().delete(authorization, id),
  };
}
