// The account's security events on "Devices and sessions", newest first, ten at a time with "Show more":
// sign-ins (and failed attempts, a run of them as one line), sign-outs, ended sessions, password and role
// changes. The API returns only the viewer's own events, and of what someone else did only who as a kind.
// Page n+1 starts after page n's current last entry (as the task list does), so nothing shows twice.
import { useEffect, useRef, useState } from "react";
import { useQuery } from "urql";
import type { SecurityEventsQuery as SecurityEventsData } from "../gql/graphql.ts";
import { describeProblem } from "../graphql/problems.ts";
import { formatMoment } from "../ui/local-dates.ts";
import { ProblemMessage } from "../ui/problem-message.tsx";
import { describeDevice } from "./device-name.ts";
import { describeActor, describeSecurityEvent, SecurityEventsQuery } from "./security-activity.ts";

export const ACTIVITY_PAGE_SIZE = 10;

type ActivityEntry = NonNullable<SecurityEventsData["me"]>["securityEvents"]["edges"][number]["node"];

interface ChainEnd {
  hasNextPage: boolean;
  loading: boolean;
}

/** `sessionsEnded`: how many sessions the screen has ended so far; each is an event, so the list is fetched again. */
export function RecentSecurityActivity({ sessionsEnded }: { sessionsEnded: number }) {
  const [pages, setPages] = useState(1);
  const [chainEnd, setChainEnd] = useState<ChainEnd>({ hasNextPage: false, loading: false });
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: SecurityEventsQuery,
    variables: { first: ACTIVITY_PAGE_SIZE, after: null },
    requestPolicy: "network-only",
  });
  const shownAfter = useRef(sessionsEnded);
  useEffect(() => {
    if (sessionsEnded === shownAfter.current) return;
    shownAfter.current = sessionsEnded;
    reexecute({ requestPolicy: "network-only" });
  }, [sessionsEnded, reexecute]);
  const connection = data?.me?.securityEvents;
  const pageInfo = connection?.pageInfo;
  const chained = pages > 1 && Boolean(pageInfo?.hasNextPage && pageInfo.endCursor);
  const end = chained ? chainEnd : { hasNextPage: pageInfo?.hasNextPage ?? false, loading: false };

  return (
    <section className="card" aria-labelledby="security-activity-heading">
      <h2 id="security-activity-heading">Recent security activity</h2>
      {error && !data ? (
        <ProblemMessage problem={describeProblem(error)} onRetry={() => reexecute({ requestPolicy: "network-only" })} retrying={fetching} />
      ) : null}
      {!data && !error ? (
        <p className="placeholder" role="status">
          Loading recent activity…
        </p>
      ) : null}
      {connection ? (
        <>
          <ul className="activity-list" aria-label="Recent security activity">
            {connection.edges.map(({ node }) => (
              <ActivityItem key={node.id} entry={node} />
            ))}
            {chained ? <LaterActivity after={pageInfo!.endCursor!} remaining={pages - 1} onEnd={setChainEnd} /> : null}
          </ul>
          {end.hasNextPage ? (
            <button
              type="button"
              className="button secondary load-more"
              onClick={() => setPages((count) => count + 1)}
              disabled={end.loading}
            >
              {end.loading ? "Loading more…" : "Show more"}
            </button>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function LaterActivity({ after, remaining, onEnd }: { after: string; remaining: number; onEnd(end: ChainEnd): void }) {
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: SecurityEventsQuery,
    variables: { first: ACTIVITY_PAGE_SIZE, after },
    requestPolicy: "network-only",
  });
  const connection = data?.me?.securityEvents;
  const pageInfo = connection?.pageInfo;
  const isLast = remaining <= 1 || !pageInfo?.hasNextPage || !pageInfo.endCursor;
  const hasNextPage = pageInfo?.hasNextPage ?? false;
  const loading = !connection && fetching;

  useEffect(() => {
    if (isLast) onEnd({ hasNextPage, loading });
  }, [isLast, hasNextPage, loading, onEnd]);

  if (!connection) {
    if (!error) return null;
    return (
      <li>
        <ProblemMessage problem={describeProblem(error)} onRetry={() => reexecute({ requestPolicy: "network-only" })} retrying={fetching} />
      </li>
    );
  }
  return (
    <>
      {connection.edges.map(({ node }) => (
        <ActivityItem key={node.id} entry={node} />
      ))}
      {!isLast ? <LaterActivity after={pageInfo!.endCursor!} remaining={remaining - 1} onEnd={onEnd} /> : null}
    </>
  );
}

/** One line: what, when (first – last for a run), and from where for your own doings, or who as a kind. */
function ActivityItem({ entry }: { entry: ActivityEntry }) {
  const who = describeActor(entry.actor);
  return (
    <li>
      <span className="activity-what">{describeSecurityEvent(entry)}</span>{" "}
      <span className="activity-when">
        {entry.count > 1 ? (
          <>
            <time dateTime={entry.firstAt}>{formatMoment(new Date(entry.firstAt))}</time>
            {" – "}
          </>
        ) : null}
        <time dateTime={entry.at}>{formatMoment(new Date(entry.at))}</time>
        {entry.actor === "SELF" && entry.ipAddress ? ` · ${entry.ipAddress}` : ""}
        {entry.actor === "SELF" && entry.userAgent ? ` · ${describeDevice(entry.userAgent)}` : ""}
        {who ? ` · ${who}` : ""}
      </span>
    </li>
  );
}
