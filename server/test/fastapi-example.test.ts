// The FastAPI example (examples/fastapi/) keeps the same contract in Python: its own pytest suite (the
// verifier's refusals, the router's dependency, isolation in both walls, revocation) runs here, so the README's
// test command runs it too. Its Debian packages are installed when missing (as the browser tests install
// chromium), and its database tests get this run's PostgreSQL (embedded by default, DATABASE_URL's otherwise).
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, inject, test } from "vitest";

const run = promisify(execFile);
const example = fileURLToPath(new URL("../../examples/fastapi/", import.meta.url));

test("the FastAPI example's own tests pass on Debian's Python, against this run's PostgreSQL", { timeout: 600_000 }, async () => {
  await run("sh", [`${example}install-debian-packages.sh`], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  const result = await run("/usr/bin/python3", ["-m", "pytest", "-q", "-p", "no:cacheprovider"], {
    cwd: example,
    env: { ...process.env, FASTAPI_TEST_DATABASE_URL: inject("maintenanceUrl") },
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { code?: number; stdout?: string; stderr?: string }) => {
    throw new Error(`pytest failed (exit ${error.code}):\n${error.stdout ?? ""}\n${error.stderr ?? ""}`);
  });
  const summary = result.stdout.trim().split("\n").at(-1) ?? "";
  console.log(`FastAPI example: ${summary}`);
  expect(summary).toMatch(/^\d+ passed in /);
});
