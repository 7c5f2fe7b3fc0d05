// The seed's REST routes (issue 30 item 2, DESIGN.md): GET /me, GET /tasks?limit=&cursor= -> { items, nextCursor },
// POST /tasks -> 201, GET|PATCH|DELETE /tasks/{id} (204 on delete, 404 when missing or not yours).
import { type Answer, type Authorization, credentialHeaders, type Dialect, type Outcome, type Task } from "../dialect.ts";
import { type HttpAnswer, send } from "../http.ts";

const PAGE_SIZE = 100;
const MAX_PAGES = 50;

function codeOf(answer: HttpAnswer): string | undefined {
  const detail = (answer.json as { detail?: unknown } | undefined)?.detail;
  if (typeof detail === "string") return detail;
  if (detail && typeof detail === "object" && "code" in detail) return String((detail as { code: unknown }).code);
  return detail === undefined ? undefined : JSON.stringify(detail);
}

function classify<T>(answer: HttpAnswer, read: (json: unknown) => T): Answer<T> {
  const outcome: Outcome = answer.status >= 200 && answer.status < 300 ? "data" : answer.status === 404 ? "missing" : "refused";
  const base = { outcome, status: answer.status, challenge: answer.headers.get("www-authenticate"), text: answer.text };
  if (outcome === "data") return { ...base, data: read(answer.json) };
  const code = codeOf(answer);
  return code ? { ...base, code } : base;
}

export function restDialect(apiUrl: string): Dialect {
  const base = apiUrl.replace(/\/$/, "");

  async function request(authorization: Authorization, method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    const url = `${base}${path}`;
    const headers = new Headers({ accept: "application/json" });
    for (const [name, value] of await credentialHeaders(authorization, method, url)) headers.append(name, value);
    if (body !== undefined) headers.set("content-type", "application/json");
    return send(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  }

  const taskPath = (id: string) => `/tasks/${encodeURIComponent(id)}`;

  return {
    name: "rest",
    whoAmI: async (authorization) =>
      classify(await request(authorization, "GET", "/me"), (json) => json as { id: string; role: string | null }),
    whoAmIWithTokenInUrl: async (token) =>
      classify(
        await request(null, "GET", `/me?access_token=${encodeURIComponent(token)}`),
        (json) => json as { id: string; role: string | null },
      ),
    async list(authorization) {
      const tasks: Task[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const query: string = `?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const answer = classify(
          await request(authorization, "GET", `/tasks${query}`),
          (json) => json as { items: Task[]; nextCursor: string | null },
        );
        if (answer.outcome !== "data" || !answer.data) return { ...answer, data: undefined } as Answer<Task[]>;
        tasks.push(...answer.data.items);
        if (!answer.data.nextCursor) return { ...answer, data: tasks };
        cursor = answer.data.nextCursor;
      }
      return { outcome: "refused", status: 200, challenge: null, code: `more than ${MAX_PAGES} pages`, text: "" };
    },
    get: async (authorization, id) => classify(await request(authorization, "GET", taskPath(id)), (json) => json as Task),
    create: async (authorization, input) => classify(await request(authorization, "POST", "/tasks", input), (json) => json as Task),
    update: async (authorization, id, input) =>
      classify(await request(authorization, "PATCH", taskPath(id), input), (json) => json as Task),
    delete: async (authorization, id) => classify(await request(authorization, "DELETE", taskPath(id)), () => null),
  };
}
