// The header's "Live" / "Reconnecting…" badge: whether changes made on other devices arrive by themselves.
import { useLiveState } from "./live-updates.tsx";

const LABELS = {
  connecting: { text: "Connecting…", title: "Connecting to live updates." },
  live: { text: "Live", title: "Changes from your other devices and tabs appear here as they happen." },
  reconnecting: { text: "Reconnecting…", title: "Live updates are interrupted; the list is refreshed once they are back." },
} as const;

export function LiveIndicator() {
  const state = useLiveState();
  const label = LABELS[state];
  return (
    <p className={`live-indicator ${state}`} title={label.title} role="status">
      <span className="live-dot" aria-hidden="true" />
      <span className="live-label">{label.text}</span>
    </p>
  );
}
