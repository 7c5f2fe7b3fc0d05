import { Link, Navigate, Outlet, useLocation } from "react-router";
import { useTokenRole } from "../admin/use-token-role.ts";
import { useSession, useSignedInUser } from "../auth/session.tsx";
import { GraphQLProvider } from "../graphql/graphql-provider.tsx";
import { LiveIndicator } from "../live/live-indicator.tsx";
import { GraphiQLTools } from "./graphiql-tools.tsx";
import { SessionPending } from "./session-pending.tsx";
import { SignOutButton } from "./sign-out-button.tsx";

/** Every private screen: only with a session, and inside that session's own GraphQL client. */
export function SignedInLayout() {
  const { status, clientKey, signedOutOnPurpose } = useSession();
  const location = useLocation();
  if (status === "loading" || status === "unreachable") return <SessionPending />;
  if (status !== "signed-in") {
    const here = location.pathname + location.search;
    return <Navigate to={signedOutOnPurpose || here === "/" ? "/sign-in" : `/sign-in?next=${encodeURIComponent(here)}`} replace />;
  }
  return (
    <GraphQLProvider key={clientKey}>
      <AppHeader />
      <main className="content">
        <Outlet />
      </main>
    </GraphQLProvider>
  );
}

function AppHeader() {
  const user = useSignedInUser();
  const role = useTokenRole();
  return (
    <header className="app-header">
      <div className="app-header-inner">
        <div className="brand-and-live">
          <Link to="/" className="brand">
            Tasks
          </Link>
          <LiveIndicator />
        </div>
        <div className="account">
          <p className="who" title={user.email}>
            <span className="visually-hidden">Signed in as </span>
            {user.email}
          </p>
          <Link to="/account" className="account-link">
            Account
          </Link>
          <Link to="/sessions" className="account-link">
            Devices and sessions
          </Link>
          {role === "admin" ? (
            <Link to="/admin" className="account-link">
              Users (admin)
            </Link>
          ) : null}
        </div>
        <GraphiQLTools />
        <div className="sign-out">
          <SignOutButton />
        </div>
      </div>
    </header>
  );
}
