import { useState } from "react";
import { BrowserRouter, Route, Routes, useLocation } from "react-router";
import { AccountPage } from "./account/account-page.tsx";
import { AdminPage } from "./admin/admin-page.tsx";
import type { AuthClient } from "./auth/auth-client.ts";
import { createDpopKeyStore, type DpopKeyStore } from "./auth/dpop-key.ts";
import { SessionProvider } from "./auth/session.tsx";
import { CheckInboxPage } from "./pages/check-inbox-page.tsx";
import { ForgotPasswordPage } from "./pages/forgot-password-page.tsx";
import { NotFoundPage } from "./pages/not-found-page.tsx";
import { PublicOnly } from "./auth/public-only.tsx";
import { ResetPasswordPage } from "./pages/reset-password-page.tsx";
import { SignInPage } from "./pages/sign-in-page.tsx";
import { SignUpPage } from "./pages/sign-up-page.tsx";
import { UndoEmailChangePage } from "./pages/undo-email-change-page.tsx";
import { SignedInLayout } from "./pages/signed-in-layout.tsx";
import { isMalformedAddress } from "./routing/malformed-address.ts";
import { SessionsPage } from "./sessions/sessions-page.tsx";
import { TaskListPage } from "./tasks/task-list-page.tsx";
import { TaskPage } from "./tasks/task-page.tsx";
import { ErrorBoundary } from "./ui/error-boundary.tsx";

export function App({ authClient, dpopKeys }: { authClient: AuthClient; dpopKeys?: DpopKeyStore }) {
  const [keys] = useState(() => dpopKeys ?? createDpopKeyStore());
  return (
    <ErrorBoundary>
      <SessionProvider authClient={authClient} dpopKeys={keys}>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </SessionProvider>
    </ErrorBoundary>
  );
}

function AppRoutes() {
  const { pathname } = useLocation();
  // React Router matches an address it cannot decode as if it were written out (it only warns): no page is meant
  // for one, and a signed-out visitor would otherwise be sent to sign in for it.
  if (isMalformedAddress(pathname)) return <NotFoundPage />;
  return (
    <Routes>
      <Route
        path="/sign-in"
        element={
          <PublicOnly>
            <SignInPage />
          </PublicOnly>
        }
      />
      <Route
        path="/sign-up"
        element={
          <PublicOnly>
            <SignUpPage />
          </PublicOnly>
        }
      />
      <Route
        path="/check-inbox"
        element={
          <PublicOnly>
            <CheckInboxPage />
          </PublicOnly>
        }
      />
      <Route
        path="/forgot-password"
        element={
          <PublicOnly>
            <ForgotPasswordPage />
          </PublicOnly>
        }
      />
      {/* Not PublicOnly: links from the mail work in a browser that is signed in too. */}
      <Route path="/reset-password" element={<ResetPasswordPage />} />
      <Route path="/undo-email-change" element={<UndoEmailChangePage />} />
      <Route element={<SignedInLayout />}>
        <Route index element={<TaskListPage />} />
        <Route path="tasks/:taskId" element={<TaskPage />} />
        <Route path="sessions" element={<SessionsPage />} />
        <Route path="account" element={<AccountPage />} />
        <Route path="admin" element={<AdminPage />} />
      </Route>
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}
