// server/CONTRACT.md is the contract other stacks implement: its tables are held to the code here, so the
// document cannot drift from what the API does (claims, header types, error codes and statuses, revocation
// kinds and channel, defaults, the row-level-security role and setting).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { GraphQLError } from "graphql";
import { describe, expect, test } from "vitest";
import * as errors from "../src/graphql/errors.ts";
import { LIMIT_EXCEEDED_CODE } from "../src/api/graphql-limits.ts";
import { INSUFFICIENT_USER_AUTHENTICATION } from "../src/shared/step-up.ts";
import { ACCESS_TOKEN_TYPES, REQUIRED_CLAIMS } from "../src/token-verification/token-verifier.ts";
import { durationSeconds } from "../src/config.ts";
import { readEnv } from "../src/env.ts";
import { projectRoot } from "../src/paths.ts";
import { REVOCATION_CHANNEL, REVOCATION_EVENT_KINDS } from "../src/token-verification/revocation-events.ts";

const contract = readFileSync(path.join(projectRoot, "server", "CONTRACT.md"), "utf8");

/** The rows of the first table after `heading` (a line of the document), as arrays of cells without backticks. */
function table(heading: string): string[][] {
  const lines = contract.split("\n");
  const start = lines.findIndex((line) => line.trim() === heading || line.startsWith(heading));
  if (start < 0) throw new Error(`no "${heading}" in CONTRACT.md`);
  // The heading may be the table's own header row.
  const first = lines.findIndex((line, index) => index >= start && line.startsWith("|"));
  const rows: string[][] = [];
  for (let index = first + 2; index < lines.length && lines[index]!.startsWith("|"); index += 1) {
    rows.push(
      lines[index]!.slice(1, -1)
        .split("|")
        .map((cell) =>
          cell
            .trim()
            .replace(/^`(.*)`$/, "$1")
            .replace(/^``$/, ""),
        ),
    );
  }
  return rows;
}

const defaults = readEnv({});

describe("the token", () => {
  test("the required claims are the verifier's", () => {
    const required = table("**Claims.**")
      .filter(([, rule]) => rule === "yes")
      .map(([claim]) => claim);
    expect(required.sort()).toEqual([...REQUIRED_CLAIMS].sort());
  });

  test("the access-token types are the verifier's", () => {
    expect(new Set(table("Access-token types").map(([typ]) => typ))).toEqual(ACCESS_TOKEN_TYPES);
  });

  test("the lifetime and the clock tolerance are the defaults", () => {
    const times = Object.fromEntries(table("**Times.**").map(([setting, value]) => [setting, value]));
    expect(durationSeconds(times["lifetime (`JWT_EXPIRATION`)"]!)).toBe(durationSeconds(defaults.JWT_EXPIRATION));
    expect(Number(times["clock tolerance (`JWT_CLOCK_TOLERANCE_SECONDS`)"])).toBe(defaults.JWT_CLOCK_TOLERANCE_SECONDS);
  });
});

test("the key set's defaults are the API's", () => {
  const settings = Object.fromEntries(table("## 2. The key set").map(([setting, value]) => [setting, value]));
  expect(Number(settings["cache age (`API_JWKS_CACHE_MAX_AGE_MS`)"])).toBe(defaults.API_JWKS_CACHE_MAX_AGE_MS);
  expect(Number(settings["cooldown (`API_JWKS_COOLDOWN_MS`)"])).toBe(defaults.API_JWKS_COOLDOWN_MS);
  expect(Number(settings["fetch timeout (`API_JWKS_TIMEOUT_MS`)"])).toBe(defaults.API_JWKS_TIMEOUT_MS);
  expect(Number(settings["stale bound (`API_JWKS_STALE_MAX_AGE_MS`)"])).toBe(defaults.API_JWKS_STALE_MAX_AGE_MS);
});

describe("revocation", () => {
  test("the kinds are the ones the feed reads and the table allows", () => {
    expect(table("| Kind | Subject | Refuse |").map(([kind]) => kind)).toEqual([...REVOCATION_EVENT_KINDS]);
    const migrations = path.join(projectRoot, "prisma", "migrations");
    const constraint = readdirSync(migrations)
      .filter((folder) => folder.endsWith("_revocation_events"))
      .map((folder) => readFileSync(path.join(migrations, folder, "migration.sql"), "utf8"))
      .join("\n");
    for (const kind of REVOCATION_EVENT_KINDS) expect(constraint).toContain(`'${kind}'`);
  });

  test("the channel and the staleness bound are the feed's", () => {
    expect(table("| Channel |").map(([channel]) => channel)).toEqual([REVOCATION_CHANNEL]);
    expect(contract).toContain(`\`API_REVOCATION_MAX_STALENESS_MS\` (default \`${defaults.API_REVOCATION_MAX_STALENESS_MS}\`)`);
  });
});

test("isolation: the role and the setting row-level security reads are the ones every task statement sets", () => {
  const ownerTransaction = readFileSync(path.join(projectRoot, "server", "src", "tasks", "owner-transaction.ts"), "utf8");
  for (const name of ["tasks_api_owner_scoped", "app.user_id"]) {
    expect(contract).toContain(`\`${name}\``);
    expect(ownerTransaction).toContain(`'${name}'`);
  }
});

describe("error answers", () => {
  const documented = new Map(table("| Code | HTTP | When |").map(([code, status]) => [code!, Number(status)]));

  test("every code the API can answer is documented, and nothing else", () => {
    const sources = ["api", "graphql", "schema", "tasks", "token-verification"].flatMap((folder) => {
      const root = path.join(projectRoot, "server", "src", folder);
      return readdirSync(root, { recursive: true })
        .map(String)
        .filter((file) => file.endsWith(".ts"))
        .map((file) => readFileSync(path.join(root, file), "utf8"));
    });
    const answered = new Set([
      LIMIT_EXCEEDED_CODE,
      INSUFFICIENT_USER_AUTHENTICATION, // shared with the auth service: shared/step-up.ts
      ...sources.flatMap((source) => [...source.matchAll(/code: "([A-Z_]+)"/g)].map((match) => match[1]!)),
    ]);
    expect([...documented.keys()].sort()).toEqual([...answered].sort());
  });

  test("each error the API builds has the documented HTTP status", () => {
    const built: GraphQLError[] = [
      errors.invalidToken(),
      errors.invalidAuthorizationRequest(),
      errors.authUnavailable(5),
      errors.serviceBusy(2),
      errors.rateLimited(1),
      errors.tooManyStreams(),
      errors.unauthenticated(),
      errors.forbidden(),
      errors.insufficientUserAuthentication(600),
      errors.taskNotFound(),
      errors.badUserInput("x"),
      errors.quotaExceeded("x", "tasks"),
    ];
    for (const error of built) {
      const { code, http } = error.extensions as { code: string; http?: { status?: number } };
      expect(http?.status ?? 200, code).toBe(documented.get(code));
    }
  });
});
