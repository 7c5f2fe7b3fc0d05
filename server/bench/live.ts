// `pnpm bench:live`: live updates on one API instance (the project's, production settings, in-process
// events) with N open subscriptions spread over the bench users and a steady rate of writes. Prints the
// delivery latency from sending the write to each subscriber's receipt (p50/p99/max), the memory per open
// subscription (the server's RSS before and after opening them), and what publishing costs the write
// scenario (autocannon's write throughput with no subscriber and with N). The subscribers and the load
// tool share the machine's cores with the server, as in `pnpm bench`.
import { parseArgs } from "node:util";
import { startBenchDatabase } from "./bench-database.ts";
import { createBenchUsers } from "./bench-users.ts";
import { openSubscriber, type Subscriber } from "./live-subscriber.ts";
import { runLoad } from "./load.ts";
import { readStatus } from "./proc-stats.ts";
import { startServerProcess } from "./server-process.ts";
import { servers } from "./servers/catalogue.ts";
import { renderLabelledRows } from "./report.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    subscribers: { type: "string" },
    rate: { type: "string" },
    duration: { type: "string" },
    smoke: { type: "boolean", default: false },
  },
});
const smoke = values.smoke ?? false;
const subscriberCount = Number(values.subscribers ?? (smoke ? 50 : 1_000));
const writesPerSecond = Number(values.rate ?? (smoke ? 20 : 50));
const durationSeconds = Number(values.duration ?? (smoke ? 2 : 10));
const USERS = 10;

const log = (message: string) => console.log(`[live] ${message}`);

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<number> {
  const database = await startBenchDatabase();
  const subscribers: Subscriber[] = [];
  let child: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  try {
    const { users, keys } = await createBenchUsers(database.url, USERS);
    child = await startServerProcess(servers.project, {
      databaseUrl: database.url,
      postgraphileDatabaseUrl: database.url,
      keys,
      poolSize: 10,
    });
    const url = `${child.url}/graphql`;
    const rssMb = () => readStatus(child!.pid, "VmRSS") / 1024;
    log(`${subscriberCount} subscribers over ${USERS} users, ${writesPerSecond} writes/s for ${durationSeconds} s`);

    const writeSeconds = Math.max(2, Math.round(durationSeconds / 2));
    const without = await runLoad("write", servers.project, child.url, users, { connections: 50, durationSeconds: writeSeconds });
    const idleRss = rssMb();

    // Subscriber k follows user k mod USERS; each write reaches every subscriber of its user.
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    for (let k = 0; k < subscriberCount; k += 1) {
      subscribers.push(
        openSubscriber(url, users[k % USERS]!.token, (title, receivedAt) => {
          const sent = sentAt.get(title);
          if (sent !== undefined) latencies.push(receivedAt - sent);
        }),
      );
    }
    await Promise.all(subscribers.map((subscriber) => subscriber.opened));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const subscribedRss = rssMb();

    // Steady writes, one at a time on a fixed schedule, round-robin over the users.
    const total = writesPerSecond * durationSeconds;
    const started = performance.now();
    const writes: Promise<void>[] = [];
    for (let n = 0; n < total; n += 1) {
      const due = started + (n * 1000) / writesPerSecond;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      const title = `live ${n}`;
      const user = users[n % USERS]!;
      sentAt.set(title, performance.now());
      writes.push(
        fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
          body: JSON.stringify({ query: "mutation($t: String!) { createTask(input: { title: $t }) { id } }", variables: { t: title } }),
        }).then(async (response) => {
          if (response.status !== 200 || (await response.text()).includes('"errors"'))
            throw new Error(`write answered HTTP ${response.status}`);
        }),
      );
    }
    await Promise.all(writes);
    const expectedDeliveries = total * (subscriberCount / USERS);
    const deadline = performance.now() + 10_000;
    while (latencies.length < expectedDeliveries && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

    const withSubscribers = await runLoad("write", servers.project, child.url, users, { connections: 50, durationSeconds: writeSeconds });
    const sorted = [...latencies].sort((a, b) => a - b);
    const rows: [string, string][] = [
      ["open subscriptions", `${subscriberCount}`],
      ["server RSS before / after opening them", `${idleRss.toFixed(0)} MB / ${subscribedRss.toFixed(0)} MB`],
      ["memory per open subscription", `${(((subscribedRss - idleRss) * 1024) / subscriberCount).toFixed(1)} KB`],
      ["deliveries received / expected", `${latencies.length} / ${expectedDeliveries}`],
      [
        "delivery latency p50 / p99 / max",
        `${percentile(sorted, 50).toFixed(1)} / ${percentile(sorted, 99).toFixed(1)} / ${(sorted.at(-1) ?? Number.NaN).toFixed(1)} ms`,
      ],
      ["write scenario, no subscriber", `${without.requestsPerSecond.toFixed(0)} req/s (p99 ${without.latencyP99Ms} ms)`],
      [
        `write scenario, ${subscriberCount} subscribers`,
        `${withSubscribers.requestsPerSecond.toFixed(0)} req/s (p99 ${withSubscribers.latencyP99Ms} ms)`,
      ],
      ["write throughput cost of publishing", `${((1 - withSubscribers.requestsPerSecond / without.requestsPerSecond) * 100).toFixed(0)}%`],
    ];
    console.log(renderLabelledRows(rows));
    const failed = without.failures + withSubscribers.failures;
    if (latencies.length < expectedDeliveries || failed > 0) {
      console.error(`FAILED: ${expectedDeliveries - latencies.length} deliveries missing, ${failed} failed writes under load`);
      return 1;
    }
    return 0;
  } finally {
    for (const subscriber of subscribers) subscriber.close();
    await child?.stop();
    await database.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
