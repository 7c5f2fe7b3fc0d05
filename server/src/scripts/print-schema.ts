// `pnpm --filter @tasks/server schema:print`: write what the server publishes for others to read: the SDL
// that codegen and outside clients read, and the web app's Content-Security-Policy that the Vite dev server
// sends too (the client imports no server source). test/schema-sdl.test.ts fails when either is stale.
import { writeFileSync } from "node:fs";
import { printSchema } from "graphql";
import { contentSecurityPolicyPath, schemaSdlPath } from "../paths.ts";
import { schema } from "../schema/index.ts";
import { publishedContentSecurityPolicy } from "../web/security-headers.ts";

writeFileSync(schemaSdlPath, `${printSchema(schema)}\n`);
console.log(`Wrote ${schemaSdlPath}`);
writeFileSync(contentSecurityPolicyPath, publishedContentSecurityPolicy());
console.log(`Wrote ${contentSecurityPolicyPath}`);
