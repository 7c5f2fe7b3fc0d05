// What GET /ready answers, the same on both services: 200 {"status":"ready"}, or 503 {"status":"not ready",
// "reasons":[...]} with short, fixed reason strings (README "Operating it" lists them). Never a driver's
// error text, a URL or anything secret: a reason names what is missing, the logs say why.

/** Each check of a service: its reason string when it fails. Checks run at once; a check that throws fails. */
export type ReadinessChecks = Record<string, () => Promise<boolean> | boolean>;

export async function failedChecks(checks: ReadinessChecks): Promise<string[]> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([reason, check]) => {
      try {
        return (await check()) ? undefined : reason;
      } catch {
        return reason;
      }
    }),
  );
  return results.filter((reason): reason is string => reason !== undefined);
}

export function readinessAnswer(reasons: readonly string[]): Response {
  const headers = { "Cache-Control": "no-store" };
  if (reasons.length === 0) return Response.json({ status: "ready" }, { headers });
  return Response.json({ status: "not ready", reasons }, { status: 503, headers });
}

/** GET and HEAD only: /ready is read by load balancers and operators, never written to. */
export function isReadinessRequest(request: Request, pathname: string): boolean {
  return pathname === "/ready" && (request.method === "GET" || request.method === "HEAD");
}
