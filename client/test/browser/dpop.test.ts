// Tokens bound to the browser (DPoP, RFC 9449) against the real services and the built SPA in chromium: the key
// the SPA keeps (not extractable, kept across a reload, one for the tabs of a browser, replaced at sign-out), a
// token copied out of the page refused anywhere else, and the live stream working with proofs. The services run
// with their default policy (API_DPOP and AUTH_DPOP "allowed"), under which an unbound bearer token would still
// be taken: so a copied token's refusal here is its binding's doing.
import { createHash } from "node:crypto";
import { generateKeyPair, generateProof } from "dpop";
import type { Browser, Page, Request } from "playwright-core";
import { expect, test } from "vitest";
import type { RunningApp } from "../support/app-server.ts";
import { addTask, newVisitor, signIn, signUp, taskTitles, withAppInChromium } from "../support/browser.ts";

let app: RunningApp;
let browser: Browser;

withAppInChromium((started) => ({ app, browser } = started));

interface StoredKey {
  /** The IndexedDB record's key (the user id). */
  userId: string;
  /** RFC 7638 thumbprint of the public key: what a token bound to it names as cnf.jkt. */
  thumbprint: string;
  extractable: boolean;
  /** What exporting the private key answered, in each format a script could try. */
  exports: string[];
}

/** What the page's origin holds in the SPA's key database, as any script on the origin could look. */
function storedKeys(page: Page): Promise<StoredKey[]> {
  return page.evaluate(async () => {
    const database = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open("tasks-dpop");
      // Looking must not create the database (the SPA would then find one without its store).
      request.onupgradeneeded = () => request.transaction!.abort();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    }).catch(() => null);
    if (!database?.objectStoreNames.contains("keys")) {
      database?.close();
      return [];
    }
    const store = database.transaction("keys", "readonly").objectStore("keys");
    const [records, ids] = await Promise.all(
      [store.getAll(), store.getAllKeys()].map(
        (request) =>
          new Promise<unknown[]>((resolve, reject) => {
            request.onsuccess = () => resolve(request.result as unknown[]);
            request.onerror = () => reject(request.error);
          }),
      ),
    );
    database.close();
    const found: StoredKey[] = [];
    for (const [index, record] of (records as CryptoKeyPair[]).entries()) {
      const jwk = await crypto.subtle.exportKey("jwk", record.publicKey);
      const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical)));
      const thumbprint = btoa(String.fromCharCode(...digest))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, "");
      const exports: string[] = [];
      for (const format of ["jwk", "pkcs8"] as const) {
        exports.push(
          await crypto.subtle.exportKey(format, record.privateKey).then(
            () => `${format}: exported`,
            (error: Error) => `${format}: ${error.name}`,
          ),
        );
      }
      found.push({ userId: String(ids![index]), thumbprint, extractable: record.privateKey.extractable, exports });
    }
    return found;
  });
}

/** The JWT's claims (the test reads what the page was given; the API verifies for real). */
function claimsOf(token: string): { sub: string; cnf?: { jkt?: string } } {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());
}

/** The RFC 7638 thumbprint of the key in a proof's header (an EC key's required members in lexical order). */
function proofThumbprint(proof: string): string {
  const { jwk } = JSON.parse(Buffer.from(proof.split(".")[0]!, "base64url").toString()) as { jwk: Record<string, string> };
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash("sha256").update(canonical).digest("base64url");
}

/** The SPA's requests to `path` from now on. */
function recordRequests(page: Page, path: string): Request[] {
  const seen: Request[] = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === path) seen.push(request);
  });
  return seen;
}

/** A GraphQL request from Node, to the API through the app's origin (where the page sends its own). */
async function fromElsewhere(headers: Record<string, string>): Promise<{ status: number; challenge: string | null; body: string }> {
  const response = await fetch(`${app.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query: "{ me { email } tasks { totalCount } }" }),
  });
  return { status: response.status, challenge: response.headers.get("www-authenticate"), body: await response.text() };
}

test("the SPA's key cannot be exported, binds its tokens, and is the same key after a reload", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  const tokenRequests = recordRequests(ada.page, "/api/auth/token");
  const graphql = recordRequests(ada.page, "/graphql");
  await signUp(ada);
  await addTask(ada.page, "Buy milk");

  const [key, ...others] = await storedKeys(ada.page);
  expect(others).toEqual([]);
  expect(key!.extractable).toBe(false);
  expect(key!.exports).toEqual(["jwk: InvalidAccessError", "pkcs8: InvalidAccessError"]);
  // The token the page sends names that key, and goes as DPoP with a proof by it.
  const sent = graphql.at(-1)!;
  const authorization = (await sent.headerValue("authorization")) ?? "";
  expect(authorization).toMatch(/^DPoP [\w-]+\.[\w-]+\.[\w-]+$/);
  const token = authorization.replace("DPoP ", "");
  expect(claimsOf(token).sub).toBe(key!.userId);
  expect(claimsOf(token).cnf?.jkt).toBe(key!.thumbprint);
  expect(proofThumbprint((await sent.headerValue("dpop"))!)).toBe(key!.thumbprint);
  expect(proofThumbprint((await tokenRequests[0]!.headerValue("dpop"))!)).toBe(key!.thumbprint);

  const before = tokenRequests.length;
  await ada.page.reload();
  await ada.page.getByRole("list", { name: "Tasks" }).getByText("Buy milk").waitFor();
  expect(await storedKeys(ada.page)).toEqual([key]);
  // The token asked for after the reload is bound to the same key, the one kept in IndexedDB.
  expect(tokenRequests.length).toBeGreaterThan(before);
  expect(proofThumbprint((await tokenRequests.at(-1)!.headerValue("dpop"))!)).toBe(key!.thumbprint);
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("a token copied out of the page is refused from elsewhere: as Bearer, without a proof, with another key's proof, with a proof copied from the page; the page's own requests work", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  await ada.context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const graphql = recordRequests(ada.page, "/graphql");
  await signUp(ada);
  await addTask(ada.page, "Buy milk");

  // "Copy token", read as a script in the page would read the clipboard; it is the token the page sends.
  await ada.page.getByRole("button", { name: "Copy token" }).click();
  await ada.page.getByText(/^Copied\. This token is bound to this browser's key/).waitFor();
  const copied = JSON.parse(await ada.page.evaluate(() => navigator.clipboard.readText())) as { Authorization: string };
  expect(copied.Authorization).toMatch(/^DPoP [\w-]+\.[\w-]+\.[\w-]+$/);
  const token = copied.Authorization.replace("DPoP ", "");
  const [key] = await storedKeys(ada.page);
  expect(claimsOf(token).cnf?.jkt).toBe(key!.thumbprint); // bound: what makes every refusal below the binding's
  const htu = `${app.url}/graphql`;

  const asBearer = await fromElsewhere({ authorization: `Bearer ${token}` });
  const withoutProof = await fromElsewhere({ authorization: `DPoP ${token}` });
  const otherKey = await generateKeyPair("ES256");
  const withAnotherKeysProof = await fromElsewhere({
    authorization: `DPoP ${token}`,
    dpop: await generateProof(otherKey, htu, "POST", undefined, token),
  });
  // A proxy or a log that copied a whole request of the page's: its proof was spent when the page sent it.
  const pagesRequest = graphql.find((request) => request.postDataJSON()?.operationName === "Tasks")!;
  const withTheProofCopied = await fromElsewhere({
    authorization: (await pagesRequest.headerValue("authorization"))!,
    dpop: (await pagesRequest.headerValue("dpop"))!,
  });

  expect(asBearer).toMatchObject({ status: 401, challenge: expect.stringMatching(/^DPoP error="invalid_token"/) });
  expect(withoutProof).toMatchObject({ status: 401, challenge: expect.stringMatching(/^DPoP error="invalid_dpop_proof"/) });
  expect(withAnotherKeysProof).toMatchObject({ status: 401, challenge: expect.stringMatching(/^DPoP error="invalid_dpop_proof"/) });
  expect(withTheProofCopied).toMatchObject({ status: 401, challenge: expect.stringMatching(/^DPoP error="invalid_dpop_proof"/) });
  for (const refused of [asBearer, withoutProof, withAnotherKeysProof, withTheProofCopied]) {
    expect(refused.body).not.toContain(ada.email);
    expect(refused.body).not.toContain('"data"');
  }

  // The control: the same token with a fresh proof from the page's key is taken from Node. That key can only sign
  // inside the page (a script there can use it while the page is open; it cannot take it away), so the refusals
  // above are the key's doing, not the request's.
  const signedInThePage = await ada.page.evaluate(
    async ({ token, htu }) => {
      const database = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open("tasks-dpop");
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const all = database.transaction("keys").objectStore("keys").getAll();
      const [pair] = await new Promise<CryptoKeyPair[]>((resolve) => {
        all.onsuccess = () => resolve(all.result as CryptoKeyPair[]);
      });
      database.close();
      const encode = (bytes: Uint8Array) =>
        btoa(String.fromCharCode(...bytes))
          .replace(/\+/g, "-")
          .replace(/\//g, "_")
          .replace(/=+$/, "");
      const text = (value: unknown) => encode(new TextEncoder().encode(JSON.stringify(value)));
      const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", pair!.publicKey);
      const ath = encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))));
      const input = `${text({ typ: "dpop+jwt", alg: "ES256", jwk: { kty, crv, x, y } })}.${text({
        jti: crypto.randomUUID(),
        htm: "POST",
        htu,
        iat: Math.floor(Date.now() / 1000),
        ath,
      })}`;
      const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair!.privateKey, new TextEncoder().encode(input));
      return `${input}.${encode(new Uint8Array(signature))}`;
    },
    { token, htu },
  );
  const control = await fromElsewhere({ authorization: `DPoP ${token}`, dpop: signedInThePage });
  expect(control.status).toBe(200);
  expect(JSON.parse(control.body)).toEqual({ data: { me: { email: ada.email }, tasks: { totalCount: 1 } } });

  // And the page carries on: its own requests, with proofs of their own, work.
  await addTask(ada.page, "Write report");
  expect(await taskTitles(ada.page)).toEqual(["Write report", "Buy milk"]);
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("two tabs that reach for the key at the same moment end up with one key, and both send tokens bound to it", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  await signUp(ada);
  // A signed-in browser with no key yet (as after a key was lost): the store emptied from a page of the origin
  // that is not the app, which then holds a write transaction on it, so that both tabs' first look waits.
  const holder = ada.page;
  await holder.goto("/dev/mail");
  await holder.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const deletion = indexedDB.deleteDatabase("tasks-dpop");
        deletion.onerror = () => reject(deletion.error);
        deletion.onsuccess = () => {
          const request = indexedDB.open("tasks-dpop", 1);
          request.onupgradeneeded = () => request.result.createObjectStore("keys");
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            const store = request.result.transaction("keys", "readwrite").objectStore("keys");
            const state = window as unknown as { holding: boolean };
            state.holding = true;
            // A transaction stays open while it has requests: one more after each, until released.
            const spin = () => {
              if (state.holding) store.get("nobody").onsuccess = spin;
            };
            spin();
            resolve();
          };
        };
      }),
  );
  const tabs = [await ada.context.newPage(), await ada.context.newPage()];
  const tokenRequests = tabs.map((tab) => recordRequests(tab, "/api/auth/token"));
  await Promise.all(tabs.map((tab) => tab.goto("/")));
  await Promise.all(tabs.map((tab) => tab.getByRole("heading", { name: "New task" }).waitFor()));
  await tabs[0]!.waitForTimeout(1_000);
  // Both are waiting on the key: neither has asked for a token.
  expect(tokenRequests.map((requests) => requests.length)).toEqual([0, 0]);
  await holder.evaluate(() => {
    (window as unknown as { holding: boolean }).holding = false;
  });
  await Promise.all(tokenRequests.map((requests) => expect.poll(() => requests.length).toBeGreaterThan(0)));

  const keys = await storedKeys(holder);
  expect(keys).toHaveLength(1);
  const thumbprints = await Promise.all(tokenRequests.map(async ([first]) => proofThumbprint((await first!.headerValue("dpop"))!)));
  expect(thumbprints).toEqual([keys[0]!.thumbprint, keys[0]!.thumbprint]);
  // And they work: what one tab adds, the other lists.
  await addTask(tabs[0]!, "From the first tab");
  await expect.poll(() => taskTitles(tabs[1]!)).toEqual(["From the first tab"]);
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("signing out deletes the key; signing in again makes a new one, and the new token names it", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  const graphql = recordRequests(ada.page, "/graphql");
  await signUp(ada);
  const [before] = await storedKeys(ada.page);
  expect(before).toBeDefined();

  await ada.page.getByRole("button", { name: "Sign out" }).click();
  await ada.page.getByRole("heading", { name: "Sign in" }).waitFor();
  await expect.poll(() => storedKeys(ada.page)).toEqual([]);

  const sentBefore = graphql.length;
  await signIn(ada);
  const [after, ...others] = await storedKeys(ada.page);
  expect(others).toEqual([]);
  expect(after!.thumbprint).not.toBe(before!.thumbprint);
  expect(after!.extractable).toBe(false);
  await expect.poll(() => graphql.length).toBeGreaterThan(sentBefore);
  const token = ((await graphql.at(-1)!.headerValue("authorization")) ?? "").replace("DPoP ", "");
  expect(claimsOf(token).cnf?.jkt).toBe(after!.thumbprint);
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});

test("the live stream works with proofs: a task added in one tab arrives in the other by itself", async () => {
  const ada = await newVisitor(browser, app, "Ada");
  await signUp(ada);
  const other = await ada.context.newPage();
  const streams: Request[] = [];
  other.on("request", (request) => {
    if (new URL(request.url()).pathname === "/graphql" && request.headers().accept === "text/event-stream") streams.push(request);
  });
  await other.goto("/");
  await expect.poll(() => other.locator(".live-indicator").innerText()).toBe("Live");
  await expect.poll(() => ada.page.locator(".live-indicator").innerText()).toBe("Live");

  const [stream] = streams;
  expect(await stream!.headerValue("authorization")).toMatch(/^DPoP [\w-]+\.[\w-]+\.[\w-]+$/);
  const [key] = await storedKeys(other);
  expect(proofThumbprint((await stream!.headerValue("dpop"))!)).toBe(key!.thumbprint);

  await addTask(ada.page, "Arrives by itself");
  await expect.poll(() => taskTitles(other), { timeout: 2_000 }).toEqual(["Arrives by itself"]);
  expect(ada.pageErrors).toEqual([]);
  await ada.context.close();
});
