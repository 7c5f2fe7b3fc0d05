// GraphQL Code Generator's output is committed (client/src/gql/): it must be exactly what codegen.ts makes
// from server/schema.graphql and the operations in client/src today. Run `pnpm codegen` when this fails.
import { generate } from "@graphql-codegen/cli";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import config from "../../../codegen.ts";
import { clientDir } from "../support/build-spa.ts";

const sourceDir = path.join(clientDir, "src");
const generatedDir = path.join(sourceDir, "gql");

function files(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const full = path.join(directory, entry);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

test("client/src/gql/ is what `pnpm codegen` generates now (run it when the schema or an operation changed)", async () => {
  const outputs: { filename: string; content: string }[] = await generate({ ...config, silent: true, verbose: false }, false);
  const generated = new Map(outputs.map((output) => [path.resolve(output.filename), output.content]));
  expect([...generated.keys()].sort()).toEqual(files(generatedDir).sort());
  for (const [file, content] of generated) {
    expect(readFileSync(file, "utf8"), `${path.relative(clientDir, file)} is stale: run pnpm codegen`).toBe(content);
  }
}, 30_000);

test("every GraphQL document in client/src goes through the generated, typed graphql()", () => {
  const sources = files(sourceDir).filter((file) => !file.startsWith(generatedDir + path.sep) && /\.tsx?$/.test(file));
  const untyped = sources.filter((file) => {
    const text = readFileSync(file, "utf8");
    // A document literal not passed straight to graphql(...), or any other GraphQL tag.
    return (
      /(?<!graphql\()`\s*(query|mutation|subscription|fragment)\b/.test(text) || /\bgql`/.test(text) || /from "graphql-tag"/.test(text)
    );
  });
  expect(untyped.map((file) => path.relative(clientDir, file))).toEqual([]);

  const typedOperations = sources.flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/graphql\(`\s*(query|mutation|subscription|fragment) (\w+)/g)].map((match) => match[2]),
  );
  const generatedIndex = readFileSync(path.join(generatedDir, "graphql.ts"), "utf8");
  expect(typedOperations.length).toBeGreaterThan(0);
  for (const name of typedOperations)
    expect(generatedIndex, `${name} has no generated type`).toMatch(new RegExp(`export const ${name}(Document|FragmentDoc) =`));
});
