import { readFileSync } from "node:fs";
import { printSchema } from "graphql";
import { expect, test } from "vitest";
import { schemaSdlPath } from "../src/paths.ts";
import { schema } from "../src/schema/index.ts";

test("the committed server/schema.graphql is the schema the server serves (run `pnpm schema:print`)", () => {
  expect(readFileSync(schemaSdlPath, "utf8")).toBe(`${printSchema(schema)}\n`);
});
