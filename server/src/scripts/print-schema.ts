// `pnpm --filter @tasks/server schema:print`: write the SDL that codegen and outside clients read.
// test/schema-sdl.test.ts fails when the committed file differs from the schema.
import { writeFileSync } from "node:fs";
import { printSchema } from "graphql";
import { schemaSdlPath } from "../paths.ts";
import { schema } from "../schema/index.ts";

writeFileSync(schemaSdlPath, `${printSchema(schema)}\n`);
console.log(`Wrote ${schemaSdlPath}`);
