// Entering a second-factor code: the authenticator app's, or one of the backup codes. The sign-in's second
// step and the step-up dialog ask the same way, with the same words, so each is written once here.
import { TextField } from "../ui/text-field.tsx";

/** What to type, for the kind of code asked for. */
export function codeHint(backup: boolean): string {
  return backup ? "Enter one of your backup codes. Each one works once." : "Enter the 6-digit code your authenticator app shows now.";
}

export function CodeField(props: { id: string; backup: boolean; code: string; onChange: (code: string) => void }) {
  return (
    <TextField
      id={props.id}
      label={props.backup ? "Backup code" : "Code"}
      type="text"
      autoComplete="one-time-code"
      value={props.code}
      onChange={props.onChange}
    />
  );
}

/** Switches between the app's code and a backup code; what was typed for the other kind goes. */
export function CodeKindSwitch(props: { backup: boolean; onSwitch: (backup: boolean) => void; onClear: () => void }) {
  return (
    <button
      type="button"
      className="button secondary"
      onClick={() => {
        props.onSwitch(!props.backup);
        props.onClear();
      }}
    >
      {props.backup ? "Use the authenticator app instead" : "Use a backup code instead"}
    </button>
  );
}
