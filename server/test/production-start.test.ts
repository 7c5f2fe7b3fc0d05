// Each service, started for real in production mode with a bad configuration, stops at once with a
// message naming what is wrong: no stack trace, no half-started service.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test } from "vitest";
import { projectRoot } from "../src/paths.ts";

const run = promisify(execFile);

async function start(entry: string, env: Record<string, string>) {
  try {
    await run(process.execPath, ["--import", "tsx", entry], {
      cwd: path.join(projectRoot, "server"),
      // Only what is given: nothing from this test run's environment (CI sets DATABASE_URL, for one).
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      timeout: 20_000,
    });
    return { code: 0, output: "" };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code, output: `${failure.stdout ?? ""}${failure.stderr ?? ""}` };
  }
}

test("the auth service in production without its secret, base URL and mail server stops, naming them", async () => {
  const { code, output } = await start("src/auth/main.ts", { NODE_ENV: "production", DATABASE_URL: "postgresql://db.invalid/x" });
  expect(code).toBe(1);
  expect(output).toContain("The auth service will not start in production");
  expect(output).toContain("BETTER_AUTH_SECRET is required");
  expect(output).toContain("AUTH_BASE_URL is required");
  expect(output).toContain("SMTP_URL is required");
  expect(output).toContain("MAIL_FROM is required");
  expect(output).not.toMatch(/\n\s+at /);
});

test("the API in production with a plain-HTTP JWKS URL stops, naming it", async () => {
  const { code, output } = await start("src/api/main.ts", {
    NODE_ENV: "production",
    DATABASE_URL: "postgresql://db.invalid/x",
    JWT_ISSUER: "https://auth.example.com",
    API_JWKS_URL: "http://auth.example.com/api/auth/jwks",
  });
  expect(code).toBe(1);
  expect(output).toContain("API_JWKS_URL must be an https:// URL");
  expect(output).not.toMatch(/\n\s+at /);
});

test("an environment value of the wrong type stops the service, listing it", async () => {
  const { code, output } = await start("src/api/main.ts", { API_PORT: "not-a-port" });
  expect(code).toBe(1);
  expect(output).toMatch(/Invalid environment:[\s\S]*API_PORT/);
  expect(output).not.toMatch(/\n\s+at /);
});
