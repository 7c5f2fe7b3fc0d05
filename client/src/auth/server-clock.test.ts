// Proofs are dated on the services' clock, learnt from their answers' Date header: a computer whose clock is ten
// minutes slow or fast still makes proofs the services take (they allow 60 s), and a few seconds' difference is
// left alone.
import { generateKeyPair } from "dpop";
import { afterEach, expect, test } from "vitest";
import { createProof } from "./dpop-proof.ts";
import { noteServerTime, serverNow } from "./server-clock.ts";

const answerDated = (time: number) => new Response(null, { headers: { date: new Date(time).toUTCString() } });
const iatOf = (proof: string) => JSON.parse(atob((proof.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/"))).iat as number;

afterEach(() => noteServerTime(answerDated(Date.now())));

test.each([
  ["ten minutes ahead of this computer", 10 * 60_000],
  ["ten minutes behind it", -10 * 60_000],
])("services %s: proofs carry the services' time", async (_, difference) => {
  noteServerTime(answerDated(Date.now() + difference));
  expect(Math.abs(serverNow() - (Date.now() + difference))).toBeLessThan(2_000);
  const key = await generateKeyPair("ES256", { extractable: false });
  const proof = await createProof(key, "POST", "http://localhost:5173/graphql", "token");
  expect(Math.abs(iatOf(proof) - (Date.now() + difference) / 1000)).toBeLessThan(2);
});

test("a difference of a few seconds, or an answer without a Date, changes nothing", () => {
  noteServerTime(answerDated(Date.now() + 5_000));
  expect(Math.abs(serverNow() - Date.now())).toBeLessThan(50);
  noteServerTime(new Response(null));
  expect(Math.abs(serverNow() - Date.now())).toBeLessThan(50);
});
