// The session check (Better Auth's get-session) tried again by itself when the auth service could not be
// reached: the app is often opened while its services are still starting (`pnpm dev` serves the page seconds
// before they answer) or while the network blinks. Better Auth's client checks once and keeps the error.
import { useEffect, useState } from "react";

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;
/** Failed checks in a row (about 4-8 s of waiting) before the app says it cannot reach the server; until then it is loading. */
export const UNREACHABLE_AFTER_FAILURES = 5;

/** Wait before the check that follows the nth failure in a row: 0.5, 1, 2, 4 ... 10 s, each between half and all of it. */
export function sessionCheckRetryDelay(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

interface SessionCheck {
  data: unknown;
  error: unknown;
  isPending: boolean;
  refetch(): Promise<unknown>;
}

/** Retries a failed session check with growing waits (at once when the browser comes back online); returns the failures in a row. */
export function useSessionCheckRetry({ data, error, isPending, refetch }: SessionCheck): number {
  const [failures, setFailures] = useState(0);
  const [counted, setCounted] = useState<unknown>(null);
  const failed = data === null && !isPending && error !== null && error !== undefined;
  if (failed && error !== counted) {
    setCounted(error);
    setFailures(failures + 1);
  } else if (!failed && !isPending && failures !== 0) {
    setCounted(null);
    setFailures(0);
  }

  useEffect(() => {
    if (!failed || failures === 0) return;
    const timer = setTimeout(() => void refetch(), sessionCheckRetryDelay(failures));
    const online = () => void refetch();
    window.addEventListener("online", online);
    return () => {
      clearTimeout(timer);
      window.removeEventListener("online", online);
    };
  }, [failed, failures, refetch]);

  return failures;
}
