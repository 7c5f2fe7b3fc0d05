// The floor: the least a Node server must do to answer "my 20 newest tasks" safely. node:http, jose
// verification, one prepared statement with pg. Started in one of three modes:
//   full   verify the token, then query (what any safe server must at least do)
//   token  verify the token only (the price of authentication)
//   db     query only, with an UNVERIFIED sub (the price of the database round trip)
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import pg from "pg";
import { listenOnFreePort, serve } from "./child-runtime.ts";
import { createJoseVerifier, Unauthorized, unverifiedSubject } from "./jose-verifier.ts";

type Mode = "full" | "token" | "db";

const NEWEST = {
  name: "floor-newest-tasks",
  text: `SELECT id, title FROM task WHERE "userId" = $1 ORDER BY "createdAt" DESC LIMIT $2`,
};
const NEWEST_WITH_OWNER = {
  name: "floor-newest-tasks-with-owner",
  text: `SELECT t.id, t.title, u.name AS "ownerName" FROM task t JOIN "user" u ON u.id = t."userId"
         WHERE t."userId" = $1 ORDER BY t."createdAt" DESC LIMIT 20`,
};
const CREATE = {
  name: "floor-create-task",
  text: `INSERT INTO task (id, title, "userId", "updatedAt") VALUES (gen_random_uuid()::text, $2, $1, now()) RETURNING id, title`,
};
const COMPLETE = {
  name: "floor-complete-task",
  text: `UPDATE task SET completed = true, "updatedAt" = now() WHERE id = $2 AND "userId" = $1 RETURNING id, completed`,
};

const mode = (process.argv[2] ?? "full") as Mode;
if (!["full", "token", "db"].includes(mode)) throw new Error(`unknown floor mode ${mode}`);

serve(async (settings) => {
  const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: settings.poolSize });
  const verify = createJoseVerifier(settings.keys);
  const owner = (request: IncomingMessage) =>
    mode === "db" ? Promise.resolve(unverifiedSubject(request.headers.authorization)) : verify(request.headers.authorization);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request);
    const userId = await owner(request);
    if (mode === "token") return send(response, 200, { data: { viewer: { id: userId } } });
    switch (request.url) {
      case "/tasks/newest":
        return send(response, 200, { data: { tasks: (await pool.query({ ...NEWEST, values: [userId, pageSize(body.first)] })).rows } });
      case "/tasks/newest-with-owner":
        return send(response, 200, { data: { tasks: (await pool.query({ ...NEWEST_WITH_OWNER, values: [userId] })).rows } });
      case "/tasks/create":
        return send(response, 200, { data: { task: (await pool.query({ ...CREATE, values: [userId, String(body.title)] })).rows[0] } });
      case "/tasks/complete": {
        const task = (await pool.query({ ...COMPLETE, values: [userId, String(body.id)] })).rows[0];
        return task ? send(response, 200, { data: { task } }) : send(response, 404, { errors: [{ message: "Task not found." }] });
      }
      default:
        return send(response, 404, { errors: [{ message: "Not found." }] });
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof Unauthorized) return send(response, 401, { errors: [{ message: "Invalid or expired token." }] });
      if (error instanceof BadRequest) return send(response, 400, { errors: [{ message: "first must be between 1 and 100." }] });
      send(response, 500, { errors: [{ message: "Unexpected error." }] });
    });
  });
  return listenOnFreePort(server, () => pool.end());
});

/** The page size the request asks for: 1 to 100, 20 when it names none (the project's own bounds). */
function pageSize(first: unknown): number {
  if (first === undefined) return 20;
  if (!Number.isInteger(first) || (first as number) < 1 || (first as number) > 100) throw new BadRequest();
  return first as number;
}

class BadRequest extends Error {}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? {} : (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  response.end(text);
}
