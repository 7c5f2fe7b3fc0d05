// A render error anywhere shows a message and a way back: with no boundary, React unmounts the whole tree and
// leaves a blank tab. The way back is a full page load, so whatever state broke the page is left behind.
import { Component, type ReactNode } from "react";
import { useDocumentTitle } from "./use-document-title.ts";

interface State {
  failed: boolean;
}

export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { failed: false };

  static getDerivedStateFromError(): State {
    return { failed: true };
  }

  // The browser's Back button leaves the broken page too: the app renders again at the address it goes to.
  private readonly recover = () => this.setState({ failed: false });

  override componentDidMount() {
    window.addEventListener("popstate", this.recover);
  }

  override componentWillUnmount() {
    window.removeEventListener("popstate", this.recover);
  }

  override render() {
    return this.state.failed ? <SomethingWentWrong /> : this.props.children;
  }
}

function SomethingWentWrong() {
  useDocumentTitle("Something went wrong");
  return (
    <main className="auth-screen">
      <div className="card auth-card">
        <h1>Something went wrong</h1>
        <div role="alert">
          <p>This page could not be shown. Reload it to try again, or go to your tasks.</p>
        </div>
        <p>
          <button type="button" className="button primary" onClick={() => window.location.reload()}>
            Reload the page
          </button>
        </p>
        <p className="switch">
          <a href="/">Go to your tasks</a>
        </p>
      </div>
    </main>
  );
}
