// One GraphQL request as a fault test sees it: the status, the first error's code (or "" for data), and the
// Retry-After header; a connection refused or reset is status 0 with the cause, not a thrown error, so a load
// loop can count it beside the answers.
export interface GraphqlAnswer {
  /** 0: no answer (connection refused or reset). */
  status: number;
  /** "" for data; the first error's extensions.code ("NO_CODE" without one); "NO_DATA" for neither; the cause when status is 0. */
  code: string;
  retryAfter: string | null;
}

export async function graphqlAnswer(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphqlAnswer> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json().catch(() => ({}))) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    return {
      status: response.status,
      code: body.errors?.length ? String(body.errors[0]?.extensions?.code ?? "NO_CODE") : body.data ? "" : "NO_DATA",
      retryAfter: response.headers.get("retry-after"),
    };
  } catch (error) {
    return { status: 0, code: String((error as Error).cause ?? error).slice(0, 60), retryAfter: null };
  }
}
