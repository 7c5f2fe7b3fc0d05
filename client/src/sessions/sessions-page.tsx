// /sessions, "Devices and sessions": where the account is signed in, and a way to sign out any other one.
// The current session is not offered here: leaving it is the header's Sign out.
import { useCallback, useEffect, useRef, useState } from "react";
import { useSession } from "../auth/session.tsx";
import type { AuthFailure } from "../auth/auth-errors.ts";
import type { Problem } from "../graphql/problems.ts";
import { ConfirmDialog } from "../ui/confirm-dialog.tsx";
import { formatMoment } from "../ui/local-dates.ts";
import { ProblemMessage } from "../ui/problem-message.tsx";
import { useAction } from "../ui/use-action.ts";
import { RecentSecurityActivity } from "./recent-security-activity.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import {
  describeSessionsFailure,
  listDeviceSessions,
  revokeDeviceSession,
  revokeOtherDeviceSessions,
  sessionIsGone,
  type DeviceSession,
} from "./session-requests.ts";

type ListState =
  | { kind: "loading" }
  /** `notFresh`: Better Auth lists sessions only to a recent sign-in; signing out the others needs none. */
  | { kind: "failed"; problem: Problem; notFresh: boolean }
  | { kind: "loaded"; sessions: DeviceSession[] };

/** What to do with a failed call: leave a session that is gone, otherwise say what happened. */
function useFailureHandler() {
  const { endSession } = useSession();
  return useCallback(
    (failure: AuthFailure): Problem | null => {
      if (!sessionIsGone(failure)) return describeSessionsFailure(failure);
      endSession("ended");
      return null;
    },
    [endSession],
  );
}

export function SessionsPage() {
  useDocumentTitle("Devices and sessions");
  const { authClient, sessionId } = useSession();
  const handleFailure = useFailureHandler();
  const [state, setState] = useState<ListState>({ kind: "loading" });
  const [reloading, setReloading] = useState(false);
  const [announcement, setAnnouncement] = useState("");
  // Counts the sign-outs done here, for Recent security activity to follow.
  const [sessionsEnded, setSessionsEnded] = useState(0);
  const latest = useRef(0);

  const load = useCallback(async () => {
    const request = ++latest.current;
    setReloading(true);
    const outcome = await listDeviceSessions(authClient, sessionId);
    if (request !== latest.current) return; // A newer load is on its way.
    setReloading(false);
    if (outcome.ok) {
      setState({ kind: "loaded", sessions: outcome.value });
      return;
    }
    const problem = handleFailure(outcome.failure);
    if (problem) setState({ kind: "failed", problem, notFresh: outcome.failure.code === "SESSION_NOT_FRESH" });
  }, [authClient, sessionId, handleFailure]);

  useEffect(() => {
    void load();
    return () => {
      latest.current += 1; // Results that arrive after leaving the screen are dropped.
    };
  }, [load]);

  const removeRow = (session: DeviceSession) => {
    setState((previous) =>
      previous.kind === "loaded" ? { kind: "loaded", sessions: previous.sessions.filter((row) => row.id !== session.id) } : previous,
    );
    setAnnouncement(`Signed out ${session.device}.`);
    setSessionsEnded((count) => count + 1);
  };

  const othersSignedOut = () => {
    setState((previous) =>
      previous.kind === "loaded" ? { kind: "loaded", sessions: previous.sessions.filter((row) => row.current) } : previous,
    );
    setAnnouncement("Signed out everywhere else.");
    setSessionsEnded((count) => count + 1);
    void load();
  };

  const sessions = state.kind === "loaded" ? state.sessions : [];
  const others = sessions.filter((session) => !session.current);
  const canSignOutOthers = others.length > 0 || (state.kind === "failed" && state.notFresh);

  return (
    <>
      <section className="card" aria-labelledby="sessions-heading">
        <h1 id="sessions-heading">Devices and sessions</h1>
        <p className="hint">Where your account is signed in. Sign out any browser or device you do not recognize.</p>
        {/* Always there, so that screen readers announce what appears in it. */}
        <p className={announcement ? "flash" : "visually-hidden"} role="status">
          {announcement}
        </p>
        {state.kind === "loading" ? (
          <p className="placeholder" role="status">
            Loading your devices and sessions…
          </p>
        ) : null}
        {state.kind === "failed" ? <ProblemMessage problem={state.problem} onRetry={() => void load()} retrying={reloading} /> : null}
        {state.kind === "loaded" ? (
          <>
            <ul className="device-list" aria-label="Devices and sessions">
              {sessions.map((session) => (
                <SessionRow key={session.id} session={session} onSignedOut={() => removeRow(session)} />
              ))}
            </ul>
            {others.length === 0 ? (
              <p className="placeholder" role="status">
                No other browser or device is signed in to your account.
              </p>
            ) : null}
          </>
        ) : null}
        {canSignOutOthers ? <SignOutEverywhereElse onDone={othersSignedOut} /> : null}
      </section>
      <RecentSecurityActivity sessionsEnded={sessionsEnded} />
    </>
  );
}

function SessionRow({ session, onSignedOut }: { session: DeviceSession; onSignedOut(): void }) {
  const { authClient } = useSession();
  const handleFailure = useFailureHandler();
  const { pending, problem, run } = useAction<Problem>();

  // A session found gone leaves no problem here: the app leaves it.
  const signOut = () =>
    run(async () => {
      const outcome = await revokeDeviceSession(authClient, session.id);
      if (!outcome.ok) return handleFailure(outcome.failure);
      onSignedOut();
      return null;
    });

  const ip = session.ipAddress ?? "unknown";
  return (
    <li className={session.current ? "device current" : "device"}>
      <div className="device-body">
        <p className="device-name">
          {session.device}
          {session.current ? <span className="badge">This device</span> : null}
        </p>
        <dl className="device-facts">
          <div>
            <dt>IP address</dt> <dd>{ip}</dd>
          </div>
          <div>
            <dt>Signed in</dt>{" "}
            <dd>
              <Moment date={session.createdAt} />
            </dd>
          </div>
          <div>
            <dt>Last active</dt> <dd>{session.current ? "Now" : <Moment date={session.updatedAt} />}</dd>
          </div>
        </dl>
      </div>
      {session.current ? null : (
        <div className="device-actions">
          <button
            type="button"
            className="button secondary"
            disabled={pending}
            onClick={() => void signOut()}
            aria-label={`Sign out ${session.device} (IP address ${ip})`}
          >
            {pending ? "Signing out…" : "Sign out"}
          </button>
        </div>
      )}
      {problem ? (
        <div className="device-problem">
          <ProblemMessage problem={problem} onRetry={() => void signOut()} retrying={pending} />
        </div>
      ) : null}
    </li>
  );
}

function Moment({ date }: { date: Date }) {
  return (
    <time dateTime={date.toISOString()} title={date.toLocaleString()}>
      {formatMoment(date)}
    </time>
  );
}

/** Signs out every other session of the account, after asking. */
function SignOutEverywhereElse({ onDone }: { onDone(): void }) {
  const { authClient } = useSession();
  const handleFailure = useFailureHandler();
  const [confirming, setConfirming] = useState(false);
  const { pending, problem, setProblem, run } = useAction<Problem>();

  const confirm = () =>
    run(async () => {
      const outcome = await revokeOtherDeviceSessions(authClient);
      if (!outcome.ok) return handleFailure(outcome.failure);
      setConfirming(false);
      onDone();
      return null;
    });

  return (
    <div className="form-actions sessions-actions">
      <button type="button" className="button secondary danger-text" disabled={pending} onClick={() => setConfirming(true)}>
        Sign out everywhere else
      </button>
      {confirming ? (
        <ConfirmDialog
          title="Sign out everywhere else?"
          confirmLabel="Sign out everywhere else"
          pendingLabel="Signing out…"
          pending={pending}
          onConfirm={() => void confirm()}
          onCancel={() => {
            setProblem(null);
            setConfirming(false);
          }}
        >
          <p>Every other browser and device signed in to your account is signed out at once. This one stays signed in.</p>
          {problem ? <ProblemMessage problem={problem} /> : null}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
