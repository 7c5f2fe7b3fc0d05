// What every resolver may read: the context, built once per request by api/context.ts from the verified
// token and the stores. The type lives here, apart from the factory, so the schema and the builder depend
// on this small module and never on the API service that serves them.
import type { AuditStore } from "../audit/audit-store.ts";
import type { TaskStore } from "../tasks/task-store.ts";
import type { VerifiedToken, TokenVerifier, Viewer } from "../token-verification/token-verifier.ts";
import type { UserStore } from "../users/user-store.ts";

export interface Context {
  viewer: Viewer | null;
  /** The verified token behind `viewer` (null when anonymous), for live streams' lifetime. */
  token: VerifiedToken | null;
  verifier: TokenVerifier;
  clientIp: string;
  /** Step-up (shared/step-up.ts): whether the token shows a recent second factor, and how recent must be. */
  secondFactor: { recent: boolean; maxAgeSeconds: number };
  streams: StreamLimits;
  tasks: TaskStore;
  users: UserStore;
  /** The audit trail's reads: a user's own events, and the admin's list. */
  audit: AuditStore;
  /** A user by id, read at most once per request (every task on a page has the same owner). */
  userById: (id: string) => ReturnType<UserStore["findById"]>;
}

/** Live streams open at once, per user and per client address (api/stream-limits.ts counts them). */
export interface StreamLimits {
  /** A release function, or null when the user or the address is at its limit. */
  acquire(userId: string, ip: string): (() => void) | null;
}
