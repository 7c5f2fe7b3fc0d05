import { Link } from "react-router";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { AuthScreen } from "../ui/auth-screen.tsx";

export function NotFoundPage() {
  useDocumentTitle("Page not found");
  return (
    <AuthScreen>
      <div className="card auth-card">
        <h1>Page not found</h1>
        <p>There is nothing at this address.</p>
        <p>
          <Link to="/">Go to your tasks</Link>
        </p>
      </div>
    </AuthScreen>
  );
}
