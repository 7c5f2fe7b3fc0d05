// "Open in GraphiQL" and "Copy token": explore the API as yourself. The token goes to the clipboard as the
// JSON GraphiQL's Headers tab expects, never into a URL (the API refuses tokens in URLs). A token bound to this
// browser's DPoP key works only with a proof signed by that key, which cannot be copied: the text says so
// rather than promising that curl will take it. GraphiQL opened from here needs no copy: it signs its requests
// with this browser's key (server/src/api/graphiql-dpop.ts); headers pasted there are sent as they are.
import { useEffect, useState } from "react";
import { useSession } from "../auth/session.tsx";
import { SessionEndedError } from "../auth/token-store.ts";
import { useTokens } from "./graphql-provider.tsx";

type CopyState =
  | { kind: "idle" }
  | { kind: "working" }
  | { kind: "copied"; until: string; bound: boolean }
  | { kind: "manual"; text: string; bound: boolean }
  | { kind: "failed" };

const BOUND =
  "This token is bound to this browser's key: the API takes it only with a proof signed by that key, which never leaves this browser, so pasted into curl, other tools or GraphiQL's Headers tab it is refused. GraphiQL opened from here needs nothing pasted: it signs with this browser's key.";

export function GraphiQLTools() {
  const tokens = useTokens();
  const { endSession } = useSession();
  const [state, setState] = useState<CopyState>({ kind: "idle" });

  // The confirmation has done its job after a while; the headers to copy by hand stay until used.
  useEffect(() => {
    if (state.kind !== "copied" && state.kind !== "failed") return;
    const timer = setTimeout(() => setState({ kind: "idle" }), 15_000);
    return () => clearTimeout(timer);
  }, [state]);

  async function copy() {
    setState({ kind: "working" });
    let text: string;
    let bound: boolean;
    try {
      const issued = await tokens.fresh();
      bound = issued.type === "DPoP";
      text = JSON.stringify({ Authorization: `${issued.type} ${issued.token}` });
    } catch (error) {
      if (error instanceof SessionEndedError) endSession(error.reason);
      else setState({ kind: "failed" });
      return;
    }
    const until = new Date(tokens.expiresAt() ?? Date.now()).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    try {
      await navigator.clipboard.writeText(text);
      setState({ kind: "copied", until, bound });
    } catch {
      setState({ kind: "manual", text, bound }); // No clipboard access (e.g. plain http on another host): show it to copy by hand.
    }
  }

  return (
    <>
      {/* biome-ignore lint/a11y/useSemanticElements: a group of buttons, not form fields, so no fieldset. */}
      <div className="graphiql-tools" role="group" aria-label="Explore the API in GraphiQL">
        <a className="button secondary small" href="/graphql" target="_blank" rel="noopener noreferrer">
          Open in GraphiQL
        </a>
        <button type="button" className="button secondary small" onClick={() => void copy()} disabled={state.kind === "working"}>
          Copy token
        </button>
      </div>
      <div className="copy-status" role="status">
        {state.kind === "copied" && !state.bound ? `Copied. Paste it into GraphiQL's Headers tab; it works until ${state.until}.` : null}
        {state.kind === "copied" && state.bound ? `Copied. ${BOUND} It expires at ${state.until}.` : null}
        {state.kind === "failed" ? "Could not get a token. Check your connection and try again." : null}
      </div>
      {state.kind === "manual" ? (
        <div className="manual-copy">
          <label htmlFor="token-headers">
            {state.bound ? `Your token's headers. ${BOUND}` : "Copy these headers into GraphiQL's Headers tab"}
          </label>
          <textarea id="token-headers" readOnly rows={3} value={state.text} onFocus={(event) => event.target.select()} />
        </div>
      ) : null}
    </>
  );
}
