import { Link, Navigate, NavLink, Outlet, useLocation } from "react-router";
import { useTokenRole } from "../admin/use-token-role.ts";
import { useSession, useSignedInUser } from "../auth/session.tsx";
import { GraphQLProvider } from "../graphql/graphql-provider.tsx";
import { LiveIndicator } from "../live/live-indicator.tsx";
import { SkipLink } from "../ui/skip-link.tsx";
import { GraphiQLTools } from "../graphql/graphiql-tools.tsx";
import { SessionPending } from "../auth/session-pending.tsx";
import { SignOutButton } from "../auth/sign-out-button.tsx";

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
      <SkipLink to="main-content" />
      <AppHeader />
      {/* tabIndex -1: the skip link's target takes focus, so the next Tab goes on from inside the content. */}
      <main id="main-content" className="content" tabIndex={-1}>
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
        <nav className="app-nav" aria-label="Your account">
          <NavLink to="/account">Account</NavLink>
          <NavLink to="/sessions">Devices and sessions</NavLink>
          {role === "admin" ? <NavLink to="/admin">Users (admin)</NavLink> : null}
        </nav>
        <GraphiQLTools />
        <div className="signed-in-as">
          <p className="who" title={user.email}>
            <span className="visually-hidden">Signed in as </span>
            {user.email}
          </p>
          <div className="sign-out">
            <SignOutButton />
          </div>
        </div>
      </div>
    </header>
  );
}
