// `pnpm dev`: the services (restarted on change by tsx watch) and the Vite dev server, as one command.
// The children run in process groups of their own, so Ctrl-C reaches them once, from here: each gets one
// SIGINT and this waits for both (the services stop the embedded PostgreSQL before they exit). The app's
// address is printed here, once the page, the auth service and the API all answer (Vite's own is left out).
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { createInterface } from "node:readline";
import { readEnv } from "../env.ts";
import { projectRoot } from "../paths.ts";
import { devReadiness } from "./dev-readiness.ts";
import { spaUrl } from "./spa-url.ts";

const serverDir = path.join(projectRoot, "server");
const clientDir = path.join(projectRoot, "client");
const tsxCli = createRequire(path.join(serverDir, "package.json")).resolve("tsx/cli");
const viteCli = path.join(clientDir, "node_modules", "vite", "bin", "vite.js");

const env = readEnv();

function start(name: string, args: string[], cwd: string, options: { hideLines?: RegExp } = {}): ChildProcess {
  // stdin ignored: a background process group reading the terminal would be stopped by the shell.
  const stdout = options.hideLines ? "pipe" : "inherit"; // (piped, its output has no colours)
  const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", stdout, "inherit"], detached: true });
  child.on("error", (error) => {
    console.error(`[dev] could not start ${name}: ${error.message}`);
    stop(1);
  });
  if (options.hideLines && child.stdout) {
    const hidden = options.hideLines;
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (!hidden.test(line)) console.log(line);
    });
  }
  return child;
}

const children = [
  start("the services", [tsxCli, "watch", "--clear-screen=false", "src/main.ts", "--vite-dev-server"], serverDir),
  // Vite's "➜ Local: http://…" comes as soon as it listens, seconds before the services answer: left out.
  start("the Vite dev server", [viteCli, "--clearScreen", "false"], clientDir, { hideLines: /➜\s+(Local|Network):/ }),
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

void devReadiness(env)
  .everythingAnswers({
    stillWaiting: (what) => console.log(`[dev] waiting for ${what.join(", ")}…`),
    reportEveryMs: 15_000,
    stopped: () => exitCode !== null,
  })
  .then((ready) => {
    if (ready) console.log(`\nReady:\n  Web app       ${spaUrl(env)}   (Vite dev server; proxies /api/auth and /graphql)\n`);
  });
