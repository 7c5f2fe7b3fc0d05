// The account's latest security events on "Devices and sessions": sign-ins (and failed attempts), sign-outs,
// ended sessions, password and role changes. The API returns only the viewer's own events.
import { useQuery } from "urql";
import { useSignedInUser } from "../auth/session.tsx";
import { describeProblem } from "../graphql/problems.ts";
import { formatMoment } from "../ui/local-dates.ts";
import { ProblemMessage } from "../ui/problem-message.tsx";
import { describeDevice } from "./device-name.ts";
import { describeSecurityEvent, SecurityEventsQuery } from "./security-activity.ts";

const SHOWN = 10;

export function RecentSecurityActivity() {
  const me = useSignedInUser();
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: SecurityEventsQuery,
    variables: { first: SHOWN },
    requestPolicy: "network-only",
  });
  const events = data?.me?.securityEvents.edges.map((edge) => edge.node) ?? [];

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
      {data ? (
        <ul className="activity-list" aria-label="Recent security activity">
          {events.map((event) => (
            <li key={event.id}>
              <span className="activity-what">{describeSecurityEvent(event, me.id)}</span>{" "}
              <span className="activity-when">
                <time dateTime={event.at}>{formatMoment(new Date(event.at))}</time>
                {event.ipAddress ? ` · ${event.ipAddress}` : ""}
                {event.userAgent ? ` · ${describeDevice(event.userAgent)}` : ""}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
