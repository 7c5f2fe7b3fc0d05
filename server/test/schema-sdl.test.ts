import { readFileSync } from "node:fs";
import { printSchema } from "graphql";
import { expect, test } from "vitest";
import { contentSecurityPolicyPath, schemaSdlPath } from "../src/paths.ts";
import { schema } from "../src/schema/index.ts";
import { publishedContentSecurityPolicy } from "../src/web/security-headers.ts";

test("the committed server/schema.graphql is the schema the server serves (run `pnpm schema:print`)", () => {
  expect(readFileSync(schemaSdlPath, "utf8")).toBe(`${printSchema(schema)}\n`);
});

test("the committed server/content-security-policy.json is the policy the web server sends (run `pnpm schema:print`)", () => {
  expect(readFileSync(contentSecurityPolicyPath, "utf8")).toBe(publishedContentSecurityPolicy());
});
