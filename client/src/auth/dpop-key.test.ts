// The key store's one rule that needs no browser storage: once this tab has signed out, a signed-in screen of the
// session before makes no key again (a token request still in flight would otherwise store a new key for the
// user who just signed out: seen in the sign-out browser test under load). The key's storage itself is tested in
// a real browser (test/browser/dpop.test.ts): happy-dom has no IndexedDB.
import { expect, test } from "vitest";
import { createDpopKeyStore } from "./dpop-key.ts";

test("after a sign-out, keyFor refuses a screen that started before it, and serves one that starts after", async () => {
  const keys = createDpopKeyStore();
  const before = keys.generation();
  await keys.deleteAll().catch(() => {}); // no IndexedDB here: the sign-out still counts
  await expect(keys.keyFor("user-1", before)).rejects.toThrow("This session was signed out: no key is made for it.");
  const after = keys.generation();
  expect(after).toBe(before + 1);
  // A screen of the next session asks past the check (and gets a key for this tab, IndexedDB being absent here).
  await expect(keys.keyFor("user-1", after)).resolves.toMatchObject({ privateKey: expect.anything(), publicKey: expect.anything() });
});
