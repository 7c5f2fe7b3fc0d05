// The live refetch's scheduling alone: one run at a time, and every change that arrives during a run answered by
// exactly one more run.
import { expect, test } from "vitest";
import { singleFlight } from "./single-flight.ts";

function controlledRuns(outcome: "answered" | "failed" = "answered") {
  const finishers: (() => void)[] = [];
  let started = 0;
  const flight = singleFlight(
    () =>
      new Promise((resolve) => {
        started += 1;
        finishers.push(() => resolve(outcome));
      }),
  );
  return {
    flight,
    started: () => started,
    finishCurrent: async () => {
      finishers.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
  };
}

test("ten changes during a run cost one more run, not ten; a run never overlaps another", async () => {
  const runs = controlledRuns();
  runs.flight.request();
  expect(runs.started()).toBe(1);
  for (let change = 0; change < 10; change += 1) runs.flight.request();
  expect(runs.started()).toBe(1);
  await runs.finishCurrent();
  expect(runs.started()).toBe(2);
  await runs.finishCurrent();
  expect(runs.started()).toBe(2);
  runs.flight.request(); // a later change runs again
  expect(runs.started()).toBe(3);
});

test("a failed run ends the chain: the changes that arrived during it wait for the next one", async () => {
  const runs = controlledRuns("failed");
  runs.flight.request();
  runs.flight.request();
  await runs.finishCurrent();
  expect(runs.started()).toBe(1);
  runs.flight.request();
  expect(runs.started()).toBe(2);
});

test("after stop, nothing runs again", async () => {
  const runs = controlledRuns();
  runs.flight.request();
  runs.flight.request();
  runs.flight.stop();
  await runs.finishCurrent();
  runs.flight.request();
  expect(runs.started()).toBe(1);
});
