// `pnpm bench:footprint`: what each program loads and holds at rest. Starts the API program
// (src/api/main.ts, as `pnpm start:api` runs it) and the auth program (src/auth/main.ts) on a temporary
// embedded PostgreSQL, each as its own process with a preload that records every module it loads
// (footprint/loaded-modules.mjs), waits for it to settle, and prints the packages it loaded and its RSS after
// a GC. The packages of the tsx loader (tsx, esbuild) are listed too: the development runner's, not the
// program's. Memory under load is the benchmark's `project-program` row.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { freePort } from "../src/net/free-port.ts";
import { startBenchDatabase } from "./bench-database.ts";

const serverDirectory = fileURLToPath(new URL("..", import.meta.url));
const preload = fileURLToPath(new URL("./footprint/loaded-modules.mjs", import.meta.url));
const SETTLE_MS = 3_000;

interface Footprint {
  packages: string[];
  rssMb: number;
}

async function measure(entry: string, ready: string, env: Record<string, string>): Promise<Footprint> {
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "--import", preload, entry], {
    cwd: serverDirectory,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", ALLOW_INSECURE_HTTP: "true", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  try {
    const deadline = Date.now() + 90_000;
    while (!output.includes(ready)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${entry} did not start:\n${output.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    child.kill("SIGUSR2");
    while (!/FOOTPRINT (.*)\n/.test(output)) {
      if (Date.now() > deadline) throw new Error(`${entry} printed no footprint:\n${output.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return JSON.parse(/FOOTPRINT (.*)\n/.exec(output)![1]!) as Footprint;
  } finally {
    child.kill("SIGTERM");
  }
}

const database = await startBenchDatabase();
try {
  const [authPort, apiPort] = [await freePort(), await freePort()];
  const authUrl = `http://127.0.0.1:${authPort}`;
  const common = { DATABASE_URL: database.url, AUTH_BASE_URL: authUrl, JWT_ISSUER: authUrl };
  const programs = [
    {
      name: "API program (src/api/main.ts)",
      footprint: await measure("src/api/main.ts", "API service is running", { ...common, API_PORT: String(apiPort) }),
    },
    {
      name: "auth program (src/auth/main.ts)",
      footprint: await measure("src/auth/main.ts", "Auth service is running", {
        ...common,
        AUTH_PORT: String(authPort),
        BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
        SMTP_URL: "smtp://127.0.0.1:1",
        MAIL_FROM: "Tasks <no-reply@localhost>",
      }),
    },
  ];
  for (const { name, footprint } of programs) {
    console.log(
      `\n${name}: ${footprint.packages.length} packages, RSS at rest ${footprint.rssMb.toFixed(0)} MB\n  ${footprint.packages.join(" ")}`,
    );
  }
} finally {
  await database.stop();
}
