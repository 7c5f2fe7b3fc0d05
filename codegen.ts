// GraphQL Code Generator (client preset): typed documents for every operation the SPA sends, generated
// from the server's committed SDL into client/src/gql/ (committed). Run `pnpm codegen` after changing an
// operation or the schema; a client test fails when client/src/gql/ is stale.
import type { CodegenConfig } from "@graphql-codegen/cli";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Absolute paths, so the result is the same from any working directory (the root script, the client's, a test).
const root = path.dirname(fileURLToPath(import.meta.url));
const clientSource = path.join(root, "client", "src");

const config: CodegenConfig = {
  schema: path.join(root, "server", "schema.graphql"),
  documents: [path.join(clientSource, "**", "*.{ts,tsx}"), `!${path.join(clientSource, "gql", "**")}`],
  ignoreNoDocuments: false,
  generates: {
    [`${path.join(clientSource, "gql")}/`]: {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        // DateTime travels as an RFC 3339 string; every other scalar must be declared here.
        strictScalars: true,
        scalars: { DateTime: "string" },
        enumType: "string-literal",
      },
    },
  },
};

export default config;
