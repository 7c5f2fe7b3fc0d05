import type { ReactNode } from "react";

/**
 * A labelled, required text input of the auth and account forms. `hint` is shown under the input and
 * read with it (aria-describedby).
 */
export function TextField(props: {
  id: string;
  label: string;
  type: "text" | "email" | "password";
  autoComplete: string;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
}) {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type}
        autoComplete={props.autoComplete}
        required
        aria-describedby={hintId}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.hint ? (
        <p id={hintId} className="hint">
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

/** A form's refusal in plain words, announced as it appears; nothing when there is none. */
export function FormProblem({ message }: { message: string | null }) {
  return message ? (
    <p className="problem" role="alert">
      {message}
    </p>
  ) : null;
}
