import { Link } from "react-router";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { AuthScreen } from "./auth-screen.tsx";

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

/** An address whose percent-escapes do not decode (`/tasks/%E0%A4%A`): it names no page of the app. */
export function isMalformedAddress(pathname: string): boolean {
  return decodedOrNull(pathname) === null;
}

// The decoded value is returned, not dropped: a minifier may remove a call to decodeURIComponent whose result is unused.
function decodedOrNull(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}
