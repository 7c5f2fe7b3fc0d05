// /admin: every account with its sign-up date, verification, ban, task count and last activity, and the
// three powers an admin has here: ban (with a reason), unban, end sessions. Never anyone's tasks. The
// API answers FORBIDDEN to a token without the admin role, so this page is only as open as the API.
import { useId, useState } from "react";
import { useQuery } from "urql";
import { useSession, useSignedInUser } from "../auth/session.tsx";
import { useStepUp } from "../auth/step-up-dialog.tsx";
import { describeProblem } from "../graphql/problems.ts";
import { ConfirmDialog } from "../ui/confirm-dialog.tsx";
import { formatMoment } from "../ui/local-dates.ts";
import { ProblemMessage } from "../ui/problem-message.tsx";
import { useAction } from "../ui/use-action.ts";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { AdminUsersQuery } from "./admin-operations.ts";
import { banUser, endUserSessions, unbanUser } from "./admin-requests.ts";

const PAGE_SIZE = 50;
export const BAN_REASON_MAX = 200;

interface ListedUser {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
  createdAt: string;
  banned: boolean;
  banReason?: string | null;
  lastActiveAt?: string | null;
  taskCount: number;
}

export function AdminPage() {
  useDocumentTitle("Users (admin)");
  // The cursors of the pages before this one: "Previous page" pops one.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [announcement, setAnnouncement] = useState("");
  const after = cursors.at(-1) ?? null;
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: AdminUsersQuery,
    variables: { first: PAGE_SIZE, after },
    requestPolicy: "cache-and-network",
  });
  const reload = () => reexecute({ requestPolicy: "network-only" });
  const done = (message: string) => {
    setAnnouncement(message);
    reload();
  };

  const page = data?.adminUsers;
  return (
    <section className="card" aria-labelledby="admin-heading">
      <h1 id="admin-heading">Users</h1>
      <p className="hint">Every account, newest first. Admins see accounts and counts here, never anyone's tasks.</p>
      <p className={announcement ? "flash" : "visually-hidden"} role="status">
        {announcement}
      </p>
      {error && !page ? <ProblemMessage problem={describeProblem(error)} onRetry={reload} retrying={fetching} /> : null}
      {!page && !error ? (
        <p className="placeholder" role="status">
          Loading users…
        </p>
      ) : null}
      {page ? (
        <>
          <ul className="device-list" aria-label="Users">
            {page.edges.map(({ node }) => (
              <UserRow key={node.id} user={node} onDone={done} />
            ))}
          </ul>
          <div className="form-actions">
            {cursors.length > 1 ? (
              <button type="button" className="button secondary" onClick={() => setCursors((previous) => previous.slice(0, -1))}>
                Previous page
              </button>
            ) : null}
            {page.pageInfo.hasNextPage && page.pageInfo.endCursor ? (
              <button
                type="button"
                className="button secondary"
                onClick={() => setCursors((previous) => [...previous, page.pageInfo.endCursor ?? null])}
              >
                Next page
              </button>
            ) : null}
          </div>
        </>
      ) : null}
    </section>
  );
}

type Action = "ban" | "unban" | "end-sessions";

function UserRow({ user, onDone }: { user: ListedUser; onDone(message: string): void }) {
  const me = useSignedInUser();
  const [action, setAction] = useState<Action | null>(null);
  const self = user.id === me.id;
  const label = user.name ? `${user.name} (${user.email})` : user.email;

  return (
    <li className="device">
      <div className="device-body">
        <p className="device-name">
          {label}
          {self ? <span className="badge">You</span> : null}
          {user.banned ? <span className="badge danger">Banned</span> : null}
        </p>
        <dl className="device-facts">
          <div>
            <dt>Signed up</dt> <dd>{formatMoment(new Date(user.createdAt))}</dd>
          </div>
          <div>
            <dt>Email</dt> <dd>{user.emailVerified ? "Verified" : "Not verified"}</dd>
          </div>
          <div>
            <dt>Tasks</dt> <dd>{user.taskCount.toLocaleString()}</dd>
          </div>
          <div>
            <dt>Last active</dt> <dd>{user.lastActiveAt ? formatMoment(new Date(user.lastActiveAt)) : "No session"}</dd>
          </div>
          {user.banned ? (
            <div>
              <dt>Ban reason</dt> <dd>{user.banReason || "None given"}</dd>
            </div>
          ) : null}
        </dl>
      </div>
      {/* Your own account is not yours to ban here; your own sessions are on "Devices and sessions". */}
      {self ? null : (
        <div className="device-actions">
          {user.banned ? (
            <button type="button" className="button secondary" onClick={() => setAction("unban")} aria-label={`Unban ${user.email}`}>
              Unban
            </button>
          ) : (
            <button
              type="button"
              className="button secondary danger-text"
              onClick={() => setAction("ban")}
              aria-label={`Ban ${user.email}`}
            >
              Ban…
            </button>
          )}
          <button
            type="button"
            className="button secondary"
            onClick={() => setAction("end-sessions")}
            aria-label={`End sessions of ${user.email}`}
          >
            End sessions
          </button>
        </div>
      )}
      {action === "ban" ? <BanDialog user={user} onClose={() => setAction(null)} onDone={onDone} /> : null}
      {action === "unban" || action === "end-sessions" ? (
        <PlainActionDialog user={user} action={action} onClose={() => setAction(null)} onDone={onDone} />
      ) : null}
    </li>
  );
}

interface DialogProps {
  user: ListedUser;
  onClose(): void;
  onDone(message: string): void;
}

function BanDialog({ user, onClose, onDone }: DialogProps) {
  const { authClient } = useSession();
  const stepUp = useStepUp();
  const [reason, setReason] = useState("");
  const reasonId = useId();
  const { pending, problem, setProblem, run } = useAction();

  async function confirm() {
    const trimmed = reason.trim();
    if (!trimmed) {
      setProblem("Say why: the reason is kept with the ban.");
      return;
    }
    if (!(await run(() => banUser({ authClient, stepUp }, user.id, trimmed)))) return;
    onClose();
    onDone(`Banned ${user.email}.`);
  }

  return (
    <ConfirmDialog
      title={`Ban ${user.email}?`}
      confirmLabel="Ban"
      pendingLabel="Banning…"
      pending={pending}
      onConfirm={() => void confirm()}
      onCancel={onClose}
    >
      <p>They are signed out everywhere at once, their API tokens stop working, and they cannot sign in until unbanned.</p>
      <div className="field">
        <label htmlFor={reasonId}>Reason</label>
        <input id={reasonId} value={reason} maxLength={BAN_REASON_MAX} onChange={(event) => setReason(event.target.value)} required />
      </div>
      {problem ? (
        <p className="problem" role="alert">
          {problem}
        </p>
      ) : null}
    </ConfirmDialog>
  );
}

function PlainActionDialog({ user, action, onClose, onDone }: DialogProps & { action: "unban" | "end-sessions" }) {
  const { authClient } = useSession();
  const stepUp = useStepUp();
  const { pending, problem, run } = useAction();
  const unban = action === "unban";

  async function confirm() {
    if (!(await run(() => (unban ? unbanUser({ authClient, stepUp }, user.id) : endUserSessions({ authClient, stepUp }, user.id))))) return;
    onClose();
    onDone(unban ? `Unbanned ${user.email}.` : `Ended every session of ${user.email}.`);
  }

  return (
    <ConfirmDialog
      title={unban ? `Unban ${user.email}?` : `End every session of ${user.email}?`}
      confirmLabel={unban ? "Unban" : "End sessions"}
      pendingLabel={unban ? "Unbanning…" : "Ending sessions…"}
      pending={pending}
      onConfirm={() => void confirm()}
      onCancel={onClose}
    >
      <p>
        {unban
          ? "They can sign in again."
          : "They are signed out on every browser and device, and their API tokens stop working. They can sign in again."}
      </p>
      {problem ? (
        <p className="problem" role="alert">
          {problem}
        </p>
      ) : null}
    </ConfirmDialog>
  );
}
