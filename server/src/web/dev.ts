// `pnpm dev`: the services (restarted on change by tsx watch) and the Vite dev server, as one command.
// The children run in process groups of their own, so Ctrl-C reaches them once, from here: each gets one
// SIGINT and this waits for both (the services stop the embedded PostgreSQL before they exit).
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { projectRoot } from "../paths.ts";

const serverDir = path.join(projectRoot, "server");
const clientDir = path.join(projectRoot, "client");
const tsxCli = createRequire(path.join(serverDir, "package.json")).resolve("tsx/cli");
const viteCli = path.join(clientDir, "node_modules", "vite", "bin", "vite.js");

function start(name: string, args: string[], cwd: string): ChildProcess {
  // stdin ignored: a background process group reading the terminal would be stopped by the shell.
  const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "inherit", "inherit"], detached: true });
  child.on("error", (error) => {
    console.error(`[dev] could not start ${name}: ${error.message}`);
    stop(1);
  });
  return child;
}

const children = [
  start("the services", [tsxCli, "watch", "--clear-screen=false", "src/main.ts", "--vite-dev-server"], serverDir),
  start("the Vite dev server", [viteCli, "--clearScreen", "false"], clientDir),
];

let exitCode: number | null = null;
function stop(code: number): void {
  if (exitCode !== null) return;
  exitCode = code;
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
  }
}

let running = children.length;
for (const child of children) {
  child.on("exit", (code, signal) => {
    running -= 1;
    // One of them stopping on its own (a port in use, a crash) stops the other: half a dev setup helps nobody.
    if (exitCode === null) stop(code ?? (signal ? 1 : 0));
    if (running === 0) process.exit(exitCode ?? 0);
  });
}

process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
