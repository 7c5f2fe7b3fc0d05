// The per-user cap on statements in flight (tasks/per-owner-concurrency.ts): one owner's work beyond the
// cap waits, in order, while another owner's starts at once; waiting too long is SERVICE_BUSY.
import { expect, test } from "vitest";
import { DatabaseBusyError, isDatabaseBusy } from "../src/db/database-busy.ts";
import { perOwnerConcurrency } from "../src/tasks/per-owner-concurrency.ts";

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

test("an owner runs at most maxInFlight at once; the rest start in order; another owner is not held", async () => {
  const lanes = perOwnerConcurrency({ maxInFlight: 2 });
  const gates = [gate(), gate(), gate(), gate()];
  const started: string[] = [];
  const flood = gates.map((g, n) =>
    lanes.run("flood", async () => {
      started.push(`flood ${n}`);
      await g.opened;
    }),
  );
  await lanes.run("other", async () => started.push("other"));
  expect(started).toEqual(["flood 0", "flood 1", "other"]);

  gates[1]!.open();
  await flood[1];
  await new Promise((resolve) => setImmediate(resolve));
  expect(started).toEqual(["flood 0", "flood 1", "other", "flood 2"]);
  for (const g of gates) g.open();
  await Promise.all(flood);
  expect(started.at(-1)).toBe("flood 3");
  expect(lanes.busyOwners).toBe(0);
});

test("a failing statement frees its slot", async () => {
  const lanes = perOwnerConcurrency({ maxInFlight: 1 });
  await expect(lanes.run("a", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
  expect(await lanes.run("a", async () => "next")).toBe("next");
  expect(lanes.busyOwners).toBe(0);
});

test("waiting longer than maxWaitMs behind the owner's others is 'database busy', and leaves the line", async () => {
  const lanes = perOwnerConcurrency({ maxInFlight: 1, maxWaitMs: 50 });
  const held = gate();
  const holder = lanes.run("a", () => held.opened);
  const waited = lanes.run("a", async () => "never");
  const error = await waited.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DatabaseBusyError);
  expect(isDatabaseBusy(error)).toBe(true);
  held.open();
  await holder;
  expect(lanes.busyOwners).toBe(0);
});
