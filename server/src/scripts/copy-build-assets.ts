// After `tsc -p tsconfig.build.json` (pnpm build): the files the compiled server reads beside its modules
// (`new URL("./x", import.meta.url)`: the common-password list, the Prisma CLI preload) are copied from
// src/ to the same places under the output folder. Every file that is not TypeScript is such a file.
import { cpSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const sourceRoot = fileURLToPath(new URL("..", import.meta.url));
const outputRoot = path.resolve(sourceRoot, "..", process.argv[2] ?? "dist");

let copied = 0;
for (const entry of readdirSync(sourceRoot, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || /\.tsx?$/.test(entry.name)) continue;
  const from = path.join(entry.parentPath, entry.name);
  cpSync(from, path.join(outputRoot, path.relative(sourceRoot, from)));
  copied += 1;
}
console.log(`Copied ${copied} asset file(s) into ${path.relative(process.cwd(), outputRoot) || outputRoot}.`);
