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

/** The whole Authorization header value to send (`Bearer <token>`, or anything malformed), or null for none. */
export type Authorization = string | null;

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
