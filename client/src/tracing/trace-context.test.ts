// The SPA's requests carry a W3C traceparent: the same trace id for everything one user action sends,
// a new one after each click or submission, and a span id per request.
import { afterEach, expect, test } from "vitest";
import { followUserActions, withTraceparent } from "./trace-context.ts";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

/** A fetch that answers nothing and keeps the traceparent of each request it is given. */
function recordingFetch() {
  const sent: string[] = [];
  const fetchFn = (async (_input: RequestInfo | URL, init?: RequestInit) => {
    sent.push(new Headers(init?.headers).get("traceparent") ?? "");
    return new Response("{}");
  }) as typeof fetch;
  return { sent, fetch: withTraceparent(fetchFn) };
}

let stop = () => {};
afterEach(() => stop());

test("requests of one action share a trace id, each with a span id of its own; the next action has a new trace", async () => {
  stop = followUserActions(document);
  const { sent, fetch } = recordingFetch();
  document.body.click();
  await fetch("/api/auth/token");
  await fetch("/graphql", { method: "POST", headers: { "content-type": "application/json" } });
  document.body.click();
  await fetch("/graphql", { method: "POST" });

  const parsed = sent.map((header) => TRACEPARENT.exec(header));
  expect(parsed.every(Boolean)).toBe(true);
  const [first, second, third] = parsed.map((match) => ({ trace: match?.[1], span: match?.[2] }));
  expect(second?.trace).toBe(first?.trace);
  expect(second?.span).not.toBe(first?.span);
  expect(third?.trace).not.toBe(first?.trace);
});

test("a request's own headers are kept beside the traceparent", async () => {
  const seen: Headers[] = [];
  const fetch = withTraceparent((async (_input: RequestInfo | URL, init?: RequestInit) => {
    seen.push(new Headers(init?.headers));
    return new Response("{}");
  }) as typeof fetch);
  await fetch("/graphql", { headers: { authorization: "Bearer x" } });
  await fetch(new Request("http://localhost:5173/graphql", { headers: { dpop: "proof" } }));
  expect(seen[0]?.get("authorization")).toBe("Bearer x");
  expect(seen[1]?.get("dpop")).toBe("proof");
  for (const headers of seen) expect(headers.get("traceparent")).toMatch(TRACEPARENT);
});
