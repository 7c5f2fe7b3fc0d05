// The whole app in happy-dom with a fake auth service that binds tokens to a DPoP proof's key and a fake API
// that holds bound tokens to proofs (test/support/fake-backend.ts, `dpop`). The key store is faked at its
// boundary (happy-dom has no IndexedDB); the real one is tested in chromium (test/browser/dpop.test.ts).
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { generateKeyPair, type KeyPair } from "dpop";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { readProof, thumbprintOf } from "../../test/support/dpop-proofs.ts";
import { createFakeBackend, type FakeBackend } from "../../test/support/fake-backend.ts";
import { App } from "../app.tsx";
import { createAppAuthClient } from "./auth-client.ts";
import type { DpopKeyStore } from "./dpop-key.ts";

let backend: FakeBackend;
let key: KeyPair;
let keys: DpopKeyStore & { keyFor: ReturnType<typeof vi.fn>; deleteAll: ReturnType<typeof vi.fn> };

beforeEach(async () => {
  backend = createFakeBackend({ dpop: true });
  vi.stubGlobal("fetch", backend.fetch); // urql's fetch; Better Auth's client gets it explicitly below.
  key = await generateKeyPair("ES256", { extractable: false });
  keys = { keyFor: vi.fn(async () => key), deleteAll: vi.fn(async () => {}), generation: () => 0 };
});

afterEach(() => {
  vi.unstubAllGlobals();
});

async function signedIn() {
  const ada = backend.addUser("ada@example.com");
  backend.addTask(ada, "Ada's task");
  backend.signInAs(ada);
  render(<App authClient={createAppAuthClient({ fetch: backend.fetch as typeof fetch })} dpopKeys={keys} />);
  await screen.findByText("Ada's task");
  return ada;
}

describe("the signed-in app with DPoP", () => {
  test("asks for its token with a proof by the user's key, from the page's origin, and sends the token bound to it", async () => {
    const ada = await signedIn();
    expect(keys.keyFor).toHaveBeenCalledWith(ada.id, 0);

    const [tokenRequest] = backend.requests("/api/auth/token");
    const proof = await readProof(tokenRequest!.dpop!);
    expect(proof.claims).toMatchObject({ htm: "GET", htu: "http://localhost:5173/api/auth/token" });
    expect(proof.thumbprint).toBe(await thumbprintOf(await crypto.subtle.exportKey("jwk", key.publicKey)));
    const tasksRequest = backend.requests("/graphql").find((request) => request.operationName === "Tasks");
    expect(tasksRequest!.authorization).toMatch(/^DPoP [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(backend.boundTo(tasksRequest!.authorization!.replace("DPoP ", ""))).toBe(proof.thumbprint);
  });

  test("signing out deletes the key, so the next sign-in makes a new one", async () => {
    await signedIn();
    expect(keys.deleteAll).not.toHaveBeenCalled();
    await userEvent.setup().click(screen.getByRole("button", { name: "Sign out" }));
    await screen.findByRole("heading", { name: "Sign in" });
    expect(keys.deleteAll).toHaveBeenCalledTimes(1);
  });

  test("“Copy token” says a bound token works only with proofs from this browser's key, and GraphiQL and curl are refused", async () => {
    await signedIn();
    // user-event stands in for the clipboard (its setup puts a stub on navigator.clipboard).
    await userEvent.setup().click(screen.getByRole("button", { name: "Copy token" }));

    const status = await screen.findByText(/^Copied\./);
    expect(status.textContent).toMatch(
      /^Copied\. This token is bound to this browser's key: the API takes it only with a proof signed by that key, which never leaves this browser, so pasted into curl, other tools or GraphiQL's Headers tab it is refused\. GraphiQL opened from here needs nothing pasted: it signs with this browser's key\. It expires at \d\d:\d\d/,
    );
    expect(status.textContent).not.toContain("Paste it into GraphiQL");
    const copied = JSON.parse(await navigator.clipboard.readText()) as { Authorization: string };
    expect(copied.Authorization).toMatch(/^DPoP [\w-]+\.[\w-]+\.[\w-]+$/);
  });

  test("a browser without WebCrypto gets bearer tokens, and “Copy token” still offers them for GraphiQL", async () => {
    keys.keyFor.mockImplementation(async () => null);
    await signedIn();
    expect(backend.requests("/api/auth/token")[0]!.dpop).toBeNull();
    expect(backend.requests("/graphql")[0]!.authorization).toMatch(/^Bearer /);
    await userEvent.setup().click(screen.getByRole("button", { name: "Copy token" }));
    await screen.findByText(/^Copied\. Paste it into GraphiQL's Headers tab; it works until \d\d:\d\d/);
    expect(JSON.parse(await navigator.clipboard.readText())).toEqual({ Authorization: expect.stringMatching(/^Bearer /) });
  });
});
