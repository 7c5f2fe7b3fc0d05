// `pnpm soak`: a long run of one API process (the project's, production settings) under 1,000 open live
// streams and 50 writes a second for 10 minutes (flags --minutes, --streams, --writes for less). Not in CI,
// and not to be run beside other work: it is meant to show slow leaks, which only time shows.
// Every minute it prints the API process's RSS and CPU use (read from /proc, as `ps -o rss=,%cpu=` would),
// the writes sent and refused, the events received, the streams still open as the load process counts them and
// as the API does (its `live_streams_open`), the API's event-loop delay (prom-client's nodejs_eventloop_lag_*,
// read from its /metrics as an operator's Prometheus would, with METRICS_TOKEN), and the load process's own
// (perf_hooks' monitorEventLoopDelay: if the client is late, its figures are too). At the end: the slope of RSS
// per minute (least squares over the minute samples after the first) and the streams open at the end against
// those opened, on both sides.
import { randomBytes } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { startBenchDatabase } from "./bench-database.ts";
import { createBenchUsers } from "./bench-users.ts";
import { openSubscriber, type Subscriber } from "./live-subscriber.ts";
import { processCpuMs, readStatus } from "./proc-stats.ts";
import { startServerProcess } from "./server-process.ts";
import { servers } from "./servers/catalogue.ts";
import { renderLabelledRows } from "./report.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    minutes: { type: "string" },
    streams: { type: "string" },
    writes: { type: "string" },
  },
});
const minutes = Number(values.minutes ?? 10);
const streamCount = Number(values.streams ?? 1_000);
const writesPerSecond = Number(values.writes ?? 50);
const USERS = 10;

const log = (message: string) => console.log(`[soak] ${message}`);

interface Sample {
  minute: number;
  rssMb: number;
  cpuPercent: number;
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  const covariance = points.reduce((sum, p) => sum + (p.x - meanX) * (p.y - meanY), 0);
  const variance = points.reduce((sum, p) => sum + (p.x - meanX) ** 2, 0);
  return covariance / variance;
}

/** The API's own figures, from its Prometheus text: one sample's value by metric name (no labels on these). */
async function apiFigures(baseUrl: string, token: string): Promise<{ loopP50Ms: number; loopP99Ms: number; streamsOpen: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  return {
    loopP50Ms: value("nodejs_eventloop_lag_p50_seconds") * 1000,
    loopP99Ms: value("nodejs_eventloop_lag_p99_seconds") * 1000,
    streamsOpen: value("live_streams_open"),
  };
}

async function main(): Promise<number> {
  const metricsToken = randomBytes(32).toString("base64url");
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
      metricsToken,
    });
    const pid = child.pid;
    const url = `${child.url}/graphql`;
    log(`API pid ${pid}: ${streamCount} streams over ${USERS} users, ${writesPerSecond} writes/s for ${minutes} min`);

    let events = 0;
    let streamsOpen = 0;
    let streamsEnded = 0;
    for (let k = 0; k < streamCount; k += 1) {
      const subscriber = openSubscriber(url, users[k % USERS]!.token, () => (events += 1));
      subscribers.push(subscriber);
      let wasOpen = false;
      void subscriber.opened.then(
        () => {
          wasOpen = true;
          streamsOpen += 1;
        },
        () => {},
      );
      // Only a stream that opened can end early; one refused at the start is counted by "opened".
      void subscriber.ended.then(() => {
        if (wasOpen) streamsEnded += 1;
      });
    }
    await Promise.all(subscribers.map((subscriber) => subscriber.opened.catch(() => {})));
    const opened = streamsOpen;
    log(`${opened} of ${streamCount} streams open`);

    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    let sent = 0;
    let refused = 0;
    const samples: Sample[] = [];
    const rssMb = () => readStatus(pid, "VmRSS") / 1024;
    samples.push({ minute: 0, rssMb: rssMb(), cpuPercent: 0 });
    console.log(
      "  minute  API RSS MB  API CPU %  writes sent  refused  events received  streams open (client/API)  API loop delay p50/p99 ms  client loop delay p50/p99/max ms",
    );
    let api = await apiFigures(child.url, metricsToken);
    const row = (sample: Sample) =>
      console.log(
        `  ${String(sample.minute).padStart(6)}  ${sample.rssMb.toFixed(1).padStart(10)}  ${sample.cpuPercent.toFixed(1).padStart(9)}  ` +
          `${String(sent).padStart(11)}  ${String(refused).padStart(7)}  ${String(events).padStart(15)}  ` +
          `${`${opened - streamsEnded}/${api.streamsOpen}`.padStart(25)}  ${`${api.loopP50Ms.toFixed(1)}/${api.loopP99Ms.toFixed(1)}`.padStart(25)}  ` +
          `${(loopDelay.percentile(50) / 1e6).toFixed(1)}/${(loopDelay.percentile(99) / 1e6).toFixed(1)}/${(loopDelay.max / 1e6).toFixed(1)}`,
      );
    row(samples[0]!);

    const started = performance.now();
    const total = Math.round(writesPerSecond * minutes * 60);
    const writes: Promise<void>[] = [];
    let cpuAtMinute = processCpuMs(pid);
    let nextMinute = 1;
    for (let n = 0; n < total; n += 1) {
      const due = started + (n * 1000) / writesPerSecond;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      const user = users[n % USERS]!;
      sent += 1;
      writes.push(
        fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
          body: JSON.stringify({
            query: "mutation($t: String!) { createTask(input: { title: $t }) { id } }",
            variables: { t: `soak ${n}` },
          }),
        })
          .then(async (response) => {
            if (response.status !== 200 || (await response.text()).includes('"errors"')) refused += 1;
          })
          .catch(() => {
            refused += 1;
          }),
      );
      if (performance.now() - started >= nextMinute * 60_000) {
        const cpu = processCpuMs(pid);
        samples.push({ minute: nextMinute, rssMb: rssMb(), cpuPercent: ((cpu - cpuAtMinute) / 60_000) * 100 });
        cpuAtMinute = cpu;
        api = await apiFigures(child.url, metricsToken);
        row(samples.at(-1)!);
        loopDelay.reset();
        nextMinute += 1;
      }
    }
    await Promise.all(writes);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    if (samples.at(-1)!.minute < minutes) {
      const cpu = processCpuMs(pid);
      const elapsedMs = performance.now() - started - (nextMinute - 1) * 60_000;
      samples.push({
        minute: Number(((performance.now() - started) / 60_000).toFixed(2)),
        rssMb: rssMb(),
        cpuPercent: ((cpu - cpuAtMinute) / elapsedMs) * 100,
      });
      api = await apiFigures(child.url, metricsToken);
      row(samples.at(-1)!);
    }
    loopDelay.disable();
    // The first minute holds the warm-up (JIT, pools, caches): the slope is taken over the rest when there is one.
    const settled = samples.filter((sample) => sample.minute >= 1);
    const rssSlope = slope((settled.length >= 2 ? settled : samples).map((sample) => ({ x: sample.minute, y: sample.rssMb })));
    const expectedEvents = sent * (streamCount / USERS);
    const rows: [string, string][] = [
      ["duration", `${((performance.now() - started) / 60_000).toFixed(1)} min`],
      ["writes sent / refused", `${sent} / ${refused}`],
      ["events received / expected", `${events} / ${expectedEvents}`],
      ["streams opened / open at the end (client / API)", `${opened} / ${opened - streamsEnded} / ${api.streamsOpen}`],
      ["API RSS first / last", `${samples[0]!.rssMb.toFixed(1)} MB / ${samples.at(-1)!.rssMb.toFixed(1)} MB`],
      ["API RSS slope", `${rssSlope.toFixed(2)} MB per minute`],
    ];
    console.log(renderLabelledRows(rows));
    return refused > 0 || opened - streamsEnded < opened || api.streamsOpen !== opened || events < expectedEvents ? 1 : 0;
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
