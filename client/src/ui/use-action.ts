import { useCallback, useEffect, useRef, useState } from "react";

/**
 * Something a person starts and waits for (a form's submit, a dialog's confirm): `pending` while it runs,
 * and the `problem` it left. The action answers the problem to show, or null for none; `run` answers whether
 * it left none. A new run clears the last problem; `setProblem` is for checks made before anything is sent.
 * With `keepPendingAfterSuccess`, an action whose success takes the screen away (signing in, signing out)
 * leaves its button disabled until the screen goes. A screen that has gone is left alone, though `run`
 * still answers, so the caller can go on (to navigate, say); `reset` starts over.
 */
export function useAction<Problem = string>({ keepPendingAfterSuccess = false } = {}) {
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const mounted = useRef(false);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = useCallback(
    async (action: () => Promise<Problem | null>): Promise<boolean> => {
      setPending(true);
      setProblem(null);
      let found: Problem | null;
      try {
        found = await action();
      } catch (error) {
        if (mounted.current) setPending(false);
        throw error;
      }
      if (mounted.current) {
        if (found !== null || !keepPendingAfterSuccess) setPending(false);
        setProblem(found);
      }
      return found === null;
    },
    [keepPendingAfterSuccess],
  );

  /** Back to the start: for a success that kept the screen after all (a sign-in that asks for a code next). */
  const reset = useCallback(() => {
    setPending(false);
    setProblem(null);
  }, []);

  return { pending, problem, setProblem, run, reset };
}
