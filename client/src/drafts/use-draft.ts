import { useCallback, useState } from "react";
import { useSignedInUser } from "../auth/session.tsx";
import { discardDraft, loadDraft, saveDraft } from "./drafts.ts";

export interface Draft<T> {
  values: T;
  /** The values came from an earlier visit (e.g. before the session ended), not from `initial`. */
  restored: boolean;
  update(patch: Partial<T>): void;
  /** Back to `initial` (or new values) and nothing kept. */
  reset(values?: T): void;
}

/**
 * Form values that survive errors, session ends and reloads. A draft equal to `initial` is not kept.
 * Pass a stable `initial` (a constant or a useMemo).
 */
export function useDraft<T extends Record<string, string | boolean>>(name: string, initial: T): Draft<T> {
  const user = useSignedInUser();
  const [state, setState] = useState(() => {
    const saved = loadDraft<T>(user.id, name);
    return { values: saved ? { ...initial, ...saved } : initial, restored: saved !== null };
  });

  const update = useCallback(
    (patch: Partial<T>) =>
      setState((previous) => {
        const values = { ...previous.values, ...patch };
        if (sameValues(values, initial)) discardDraft(user.id, name);
        else saveDraft(user.id, name, values);
        return { values, restored: previous.restored };
      }),
    [user.id, name, initial],
  );

  const reset = useCallback(
    (values?: T) => {
      discardDraft(user.id, name);
      setState({ values: values ?? initial, restored: false });
    },
    [user.id, name, initial],
  );

  return { values: state.values, restored: state.restored, update, reset };
}

function sameValues(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return Object.keys({ ...a, ...b }).every((key) => a[key] === b[key]);
}
