// Preloaded (node --import) into a program whose footprint is measured: records every module file the
// process loads, ES modules through a resolve hook (module.register, on the loader thread) and CommonJS ones
// from require.cache, and on SIGUSR2 prints one line: the packages they come from and the RSS, after a GC.
import { createRequire, register } from "node:module";
import { MessageChannel } from "node:worker_threads";

const { port1, port2 } = new MessageChannel();
const esModules = new Set();
port1.on("message", (url) => esModules.add(url));
port1.unref();
register("./resolve-hook.mjs", { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });

/** "…/node_modules/.pnpm/x@1/node_modules/@scope/name/dist/a.js" -> "@scope/name" (the last node_modules). */
function packageOf(file) {
  const at = file.lastIndexOf("/node_modules/");
  if (at < 0) return null;
  const [first, second] = file.slice(at + "/node_modules/".length).split("/");
  return first.startsWith("@") ? `${first}/${second}` : first;
}

process.on("SIGUSR2", () => {
  globalThis.gc?.();
  const files = [...esModules, ...Object.keys(createRequire(import.meta.url).cache)].map((file) => decodeURIComponent(file));
  const packages = [...new Set(files.map(packageOf).filter(Boolean))].sort();
  console.log(`FOOTPRINT ${JSON.stringify({ packages, rssMb: process.memoryUsage().rss / 1048576 })}`);
});
