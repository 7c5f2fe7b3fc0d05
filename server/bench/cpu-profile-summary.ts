// Where a server's CPU goes, from V8 .cpuprofile files (`pnpm bench --profile`), as shares of the time
// the process was busy:
//   charged   each sample charged to the nearest package on its stack (native code and Node internals
//             are charged to the package that called them: a socket write under pg counts as pg)
//   inclusive each package's share of samples it appears anywhere in (nested packages overlap)
//   functions the nearest package function of each sample
// Also runnable on its own: tsx bench/cpu-profile-summary.ts <file.cpuprofile>...
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const IDLE = new Set(["(idle)", "(program)"]);
const UNCHARGEABLE = new Set(["(native)", "node internals"]);

/** The package a frame belongs to: "graphql", "@prisma/client", "project src", "node internals"... */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node internals";
  if (url.startsWith("wasm://")) return "@prisma/client (query compiler, wasm)";
  const match = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1] as string;
  if (url.includes("/server/src/generated/")) return "project src/generated (Prisma client)";
  if (url.includes("/server/src/")) return "project src";
  if (url.includes("/server/bench/")) return "bench";
  return url;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url
    ? `${url.replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, "").replace(/^file:\/\/.*\/server\//, "")}:${lineNumber + 1}`
    : "";
  return `${functionName || "(anonymous)"} ${where}`.trim();
}

export function summariseCpuProfiles(files: string[], top = 20): string {
  const charged = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const functions = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);
  let busy = 0;
  let total = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const parents = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
    profile.samples.forEach((id, index) => {
      const delta = profile.timeDeltas[index] ?? 0;
      total += delta;
      const leaf = nodes.get(id);
      if (!leaf || IDLE.has(leaf.callFrame.functionName)) return;
      busy += delta;
      const seen = new Set<string>();
      let chargedTo: ProfileNode | undefined;
      for (let node: ProfileNode | undefined = leaf; node; node = nodes.get(parents.get(node.id) ?? -1)) {
        const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
        if (!UNCHARGEABLE.has(pkg) && pkg !== "(root)") {
          chargedTo ??= node;
          seen.add(pkg);
        }
      }
      for (const pkg of seen) add(inclusive, pkg, delta);
      if (leaf.callFrame.functionName === "(garbage collector)") {
        add(charged, "(garbage collector)", delta);
        add(functions, "(garbage collector)", delta);
        return;
      }
      const owner = chargedTo ?? leaf;
      add(charged, packageOf(owner.callFrame.url, owner.callFrame.functionName), delta);
      add(functions, frameName(owner), delta);
    });
  }
  const share = (value: number) => `${((100 * value) / Math.max(busy, 1)).toFixed(1).padStart(5)}%`;
  const ranked = (map: Map<string, number>, count = top) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
  return [
    `CPU profile: busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s sampled`,
    "charged to the nearest package on the stack:",
    ...ranked(charged).map(([name, value]) => `  ${share(value)}  ${name}`),
    "inclusive (package anywhere on the stack):",
    ...ranked(inclusive).map(([name, value]) => `  ${share(value)}  ${name}`),
    `top ${top} functions (nearest package function):`,
    ...ranked(functions).map(([name, value]) => `  ${share(value)}  ${name}`),
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: tsx bench/cpu-profile-summary.ts <file.cpuprofile>...");
    process.exit(2);
  }
  console.log(summariseCpuProfiles(files));
}
