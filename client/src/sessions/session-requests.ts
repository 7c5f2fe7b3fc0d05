// The calls behind "Devices and sessions", through Better Auth's own client, and what their failures mean here.
import type { AuthClient } from "../auth/auth-client.ts";
import { type AuthFailure, callAuth, describeAuthFailure } from "../auth/auth-errors.ts";
import type { Problem } from "../graphql/problems.ts";
import { describeDevice } from "./device-name.ts";

export interface DeviceSession {
  /** Also what ends it: the auth service never hands a browser a session's token. */
  id: string;
  device: string;
  ipAddress: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** This browser's own session. */
  current: boolean;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: AuthFailure };

/** These calls must answer with data: an answer without any counts as a failure. */
async function run<T>(call: () => Promise<{ data: T | null; error: AuthFailure | null }>): Promise<Outcome<T>> {
  const { data, failure } = await callAuth(call);
  if (data === null) return { ok: false, failure: failure ?? {} };
  return { ok: true, value: data };
}

/** The user's sessions, this one first, then the most recently active. */
export async function listDeviceSessions(authClient: AuthClient, currentSessionId: string | null): Promise<Outcome<DeviceSession[]>> {
  const outcome = await run(() => authClient.listSessions());
  if (!outcome.ok) return outcome;
  const sessions = outcome.value.map(
    (session): DeviceSession => ({
      id: session.id,
      device: describeDevice(session.userAgent),
      ipAddress: session.ipAddress || null,
      createdAt: new Date(session.createdAt),
      updatedAt: new Date(session.updatedAt),
      current: session.id === currentSessionId,
    }),
  );
  sessions.sort((a, b) => Number(b.current) - Number(a.current) || b.updatedAt.getTime() - a.updatedAt.getTime());
  return { ok: true, value: sessions };
}

/** Better Auth's revokeSession names the session in `token`; the auth service takes the session's id there. */
export const revokeDeviceSession = (authClient: AuthClient, sessionId: string) => run(() => authClient.revokeSession({ token: sessionId }));

export const revokeOtherDeviceSessions = (authClient: AuthClient) => run(() => authClient.revokeOtherSessions());

/** A 401 means this session itself is gone (the caller leaves it); everything else is said here. */
export function describeSessionsFailure(failure: AuthFailure): Problem {
  if (failure.code === "SESSION_NOT_FRESH") {
    // Better Auth lists sessions only to a session started within its freshAge (a day by default).
    return {
      kind: "session",
      message: "For your safety, this list is shown only within a day of signing in. Sign out, sign in again, and come back here.",
      retryable: false,
    };
  }
  return { kind: failure.status ? "server" : "network", message: describeAuthFailure(failure), retryable: true };
}

export const sessionIsGone = (failure: AuthFailure) => failure.status === 401;
