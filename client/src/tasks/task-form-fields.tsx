// The title, description and due date inputs, shared by the new-task form and the edit form. The title's
// limits are the server's (server/src/tasks/task-input.ts): the form counts characters as a hint and shows
// the server's own message when it refuses.
import type { Ref } from "react";

export const TITLE_MAX = 200;

export interface TaskFormValues extends Record<string, string | boolean> {
  title: string;
  description: string;
  due: string;
}

export interface TaskFormFieldsProps {
  idPrefix: string;
  values: TaskFormValues;
  onChange(patch: Partial<TaskFormValues>): void;
  /** The server's message about the title, shown under it. */
  titleError?: string | null;
  titleRef?: Ref<HTMLInputElement>;
  descriptionRows?: number;
}

export function TaskFormFields({ idPrefix, values, onChange, titleError, titleRef, descriptionRows = 2 }: TaskFormFieldsProps) {
  const ids = {
    title: `${idPrefix}-title`,
    titleHint: `${idPrefix}-title-hint`,
    titleError: `${idPrefix}-title-error`,
    description: `${idPrefix}-description`,
    due: `${idPrefix}-due`,
  };
  const length = values.title.trim().length;
  const describedBy = [titleError ? ids.titleError : null, length > TITLE_MAX - 20 ? ids.titleHint : null].filter(Boolean).join(" ");
  return (
    <>
      <div className="field">
        <label htmlFor={ids.title}>Title</label>
        <input
          ref={titleRef}
          id={ids.title}
          name="title"
          type="text"
          autoComplete="off"
          value={values.title}
          onChange={(event) => onChange({ title: event.target.value })}
          aria-invalid={titleError ? true : undefined}
          aria-describedby={describedBy || undefined}
        />
        {length > TITLE_MAX - 20 ? (
          <p id={ids.titleHint} className={length > TITLE_MAX ? "hint over" : "hint"}>
            {length} of {TITLE_MAX} characters
          </p>
        ) : null}
        {titleError ? (
          <p id={ids.titleError} className="field-error">
            {titleError}
          </p>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor={ids.description}>
          Description <span className="optional">(optional)</span>
        </label>
        <textarea
          id={ids.description}
          name="description"
          rows={descriptionRows}
          value={values.description}
          onChange={(event) => onChange({ description: event.target.value })}
        />
      </div>
      <div className="field due-field">
        <label htmlFor={ids.due}>
          Due date <span className="optional">(optional)</span>
        </label>
        <div className="inline">
          <input id={ids.due} name="due" type="date" value={values.due} onChange={(event) => onChange({ due: event.target.value })} />
          {values.due ? (
            <button type="button" className="button secondary small" onClick={() => onChange({ due: "" })}>
              Clear due date
            </button>
          ) : null}
        </div>
      </div>
    </>
  );
}
