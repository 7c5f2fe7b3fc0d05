// The log's own walls, on the services' real logger and apps: fields that hold secrets are written as
// "[redacted]" whoever passes them; an email address is masked wherever one must be named; the auth service
// gives every answer an id of its own (never the client's), and a 500's errorId is that id, logged with the
// real error. The secret scan over the real programs is log-secrets.test.ts.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createAuthApp } from "../src/auth/app.ts";
import { createAuth } from "../src/auth/auth.ts";
import { maskEmail, maskEmailsIn } from "../src/logging/mask-email.ts";
import { captureLogs, isAccessLine } from "./support/captured-logs.ts";
import { SPA_ORIGIN, startTestSystem, type TestSystem } from "./support/test-system.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
});

afterAll(async () => {
  await system.close();
});

describe("redaction, the second wall", () => {
  test("authorization, cookie, set-cookie, password, token, dpop and secret fields are written as [redacted], at the top, one level down and under headers", () => {
    const { logger, lines } = captureLogs();
    const secret = "do-not-log-this-value";
    logger.info(
      {
        authorization: `Bearer ${secret}`,
        password: secret,
        token: secret,
        body: { password: secret, newPassword: secret, token: secret },
        request: { headers: { authorization: `Bearer ${secret}`, cookie: secret, dpop: secret, "set-cookie": secret } },
        headers: { cookie: secret, "set-cookie": secret },
        config: { secret },
      },
      "careless line",
    );
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines[0])).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      authorization: "[redacted]",
      password: "[redacted]",
      body: { password: "[redacted]", newPassword: "[redacted]", token: "[redacted]" },
      request: { headers: { authorization: "[redacted]", cookie: "[redacted]", dpop: "[redacted]", "set-cookie": "[redacted]" } },
      headers: { cookie: "[redacted]", "set-cookie": "[redacted]" },
      config: { secret: "[redacted]" },
    });
  });

  test("an email address is masked where one must be named, also inside an error's text", () => {
    expect(maskEmail("jane.doe@example.com")).toBe("j***@example.com");
    expect(maskEmail("not an address")).toBe("***");
    const text = maskEmailsIn(
      'duplicate key value violates unique constraint: Key (email)=(jane.doe@example.com); to "bob@mail.example.org"',
    );
    expect(text).not.toMatch(/jane\.doe|bob@/);
    expect(text).toContain("(j***@example.com)");
    expect(text).toContain("b***@mail.example.org");
  });
});

describe("request ids at the auth service", () => {
  test("every answer carries a fresh id of the service's own, also when the client sends one, and its access line carries it", async () => {
    const { logger, lines } = captureLogs("info", isAccessLine);
    const app = createAuthApp(createAuth(system.db, system.authConfig, { ...system.authServices(), logger }));
    const ask = (path: string, headers: Record<string, string> = {}) =>
      app.fetch(new Request(`${system.authUrl}${path}`, { headers: { origin: SPA_ORIGIN, ...headers } }));
    const answers = [
      await ask("/api/auth/get-session"),
      await ask("/api/auth/get-session", { "x-request-id": "chosen-by-client" }),
      await ask("/api/auth/reset-password/a-token-in-the-path?callbackURL=/x"),
      await ask("/no-such-page?token=abc"),
    ];
    const ids = answers.map((answer) => answer.headers.get("x-request-id"));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
    expect(lines.map((line) => [line.requestId, line.route, line.status])).toEqual([
      [ids[0], "/api/auth/get-session", 200],
      [ids[1], "/api/auth/get-session", 200],
      // The pattern, never the path: a reset link's token is a path segment.
      [ids[2], "/api/auth/reset-password/:token", answers[2]!.status],
      [ids[3], "other", 404],
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/a-token-in-the-path|token=abc|callbackURL/);
  });

  test("a 500's errorId is the answer's request id, and the real error is logged under it", async () => {
    const { logger, lines } = captureLogs("info", (line) => !isAccessLine(line));
    const auth = createAuth(system.db, system.authConfig, { ...system.authServices(), logger });
    // A fault inside the service, as a bug would throw it: the app's answer and log are what is tested.
    const broken = Object.assign(Object.create(auth) as typeof auth, {
      handler: async () => {
        throw new Error("a bug in the auth service");
      },
    });
    const answer = await createAuthApp(broken).fetch(
      new Request(`${system.authUrl}/api/auth/get-session`, { headers: { origin: SPA_ORIGIN } }),
    );
    expect(answer.status).toBe(500);
    const body = (await answer.json()) as { code: string; errorId: string };
    expect(body.code).toBe("INTERNAL_ERROR");
    expect(body.errorId).toBe(answer.headers.get("x-request-id"));
    expect(JSON.stringify(body)).not.toContain("a bug in the auth service");
    expect(lines).toEqual([expect.objectContaining({ level: "error", service: "auth", requestId: body.errorId, msg: "unexpected error" })]);
    expect(lines[0]!.error).toContain("Error: a bug in the auth service");
  });
});
