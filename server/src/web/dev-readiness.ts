// When `pnpm dev` may name the app's address: once a browser opening it gets the page, the auth service and
// the API through the Vite dev server. Vite answers seconds before the services (the embedded PostgreSQL and
// the migrations come first), and a page opened in between met "Could not reach the server".
import type { Env } from "../env.ts";
import { reachableHost, spaUrl } from "./spa-url.ts";

const POLL_MS = 250;
const ATTEMPT_TIMEOUT_MS = 2_000;

export interface Readiness {
  /** Resolves when everything answers; `stillWaiting` is told what does not, every `reportEveryMs`. */
  everythingAnswers(options: { stillWaiting(what: string[]): void; reportEveryMs: number; stopped(): boolean }): Promise<boolean>;
}

export function devReadiness(env: Env): Readiness {
  const host = reachableHost(env.HOST);
  const app = spaUrl(env);
  const graphqlProbe = {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ __typename }" }),
  };
  // Each service is asked on its own port first: through the proxy, every refused connection would be logged.
  const direct: Record<string, () => Promise<boolean>> = {
    "the auth service": () => answers(`http://${host}:${env.AUTH_PORT}/api/auth/ok`),
    "the API": () => answers(`http://${host}:${env.API_PORT}/graphql`, graphqlProbe),
    "the Vite dev server": () => answers(`${app}/`, { headers: { accept: "text/html" } }),
  };
  const throughVite: Record<string, () => Promise<boolean>> = {
    "the auth service through the Vite dev server": () => answers(`${app}/api/auth/ok`),
    "the API through the Vite dev server": () => answers(`${app}/graphql`, graphqlProbe),
  };

  return {
    async everythingAnswers({ stillWaiting, reportEveryMs, stopped }) {
      let reportAt = Date.now() + reportEveryMs;
      for (const checks of [direct, throughVite]) {
        for (;;) {
          if (stopped()) return false;
          const waiting = await notAnswering(checks);
          if (waiting.length === 0) break;
          if (Date.now() >= reportAt) {
            stillWaiting(waiting);
            reportAt = Date.now() + reportEveryMs;
          }
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      }
      return true;
    },
  };
}

async function notAnswering(checks: Record<string, () => Promise<boolean>>): Promise<string[]> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => checks[name]!()));
  return names.filter((_, index) => !results[index]);
}

async function answers(url: string, init: RequestInit = {}): Promise<boolean> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
