import { Component, type ReactNode } from "react";

interface State {
  error: Error | null;
}

/** A screen that throws shows what to do instead of a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    const chunk = /dynamically imported module|Loading chunk|Failed to fetch/i.test(error.message);
    return (
      <div className="state state-error" role="alert">
        <h2>{chunk ? "ZAMC was updated" : "This screen hit a problem"}</h2>
        <p>
          {chunk
            ? "A newer version of the console is available. Reload the page to continue."
            : "Reload the page to try again. If it happens again, tell your administrator what you were doing."}
        </p>
        <button type="button" className="btn btn-primary" onClick={() => location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
