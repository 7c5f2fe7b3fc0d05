// The one place that puts a token on an API request: what a bound and an unbound token look like on the wire,
// each proof read and its signature checked as the API would (test/support/dpop-proofs.ts).
import { generateKeyPair } from "dpop";
import { describe, expect, test, vi } from "vitest";
import { readProof, sha256, thumbprintOf } from "../../test/support/dpop-proofs.ts";
import { fakeJwt } from "../../test/support/fake-backend.ts";
import { proofTarget } from "./dpop-proof.ts";
import { authorizationHeaders, authorizingFetch } from "./request-authorization.ts";
import type { IssuedToken } from "./token-store.ts";

const token = fakeJwt({ sub: "user-1", iat: 1, exp: 901 });

async function boundToken(): Promise<IssuedToken & { type: "DPoP" }> {
  return { token, type: "DPoP", key: await generateKeyPair("ES256", { extractable: false }) };
}

describe("the Authorization and DPoP headers of an API request", () => {
  test("a bound token goes as `DPoP <token>` with a proof signed by its key, naming the request and the token", async () => {
    const issued = await boundToken();
    const headers = await authorizationHeaders(issued, "POST", "/graphql");

    expect(Object.keys(headers).sort()).toEqual(["Authorization", "DPoP"]);
    expect(headers.Authorization).toBe(`DPoP ${token}`);
    const proof = await readProof(headers.DPoP!);
    expect(proof.header.typ).toBe("dpop+jwt");
    expect(proof.header.alg).toBe("ES256");
    expect(proof.header.jwk).not.toHaveProperty("d");
    expect(proof.thumbprint).toBe(await thumbprintOf(await crypto.subtle.exportKey("jwk", issued.key.publicKey)));
    expect(proof.claims.htm).toBe("POST");
    expect(proof.claims.htu).toBe("http://localhost:5173/graphql"); // the page's origin (happy-dom's is localhost:5173)
    expect(proof.claims.ath).toBe(await sha256(token));
    expect(Math.abs(proof.claims.iat! - Date.now() / 1000)).toBeLessThan(5);
    expect(proof.claims.jti).toMatch(/^.{16,}$/);
  });

  test("every request gets a proof of its own (the API refuses one it has seen)", async () => {
    const issued = await boundToken();
    const first = await readProof((await authorizationHeaders(issued, "POST", "/graphql")).DPoP!);
    const second = await readProof((await authorizationHeaders(issued, "POST", "/graphql")).DPoP!);
    expect(second.claims.jti).not.toBe(first.claims.jti);
  });

  test("htu is the absolute URL without query or fragment", () => {
    expect(proofTarget("/graphql?operation=Tasks#top")).toBe("http://localhost:5173/graphql");
    expect(proofTarget("http://api.example:4000/graphql?x=1")).toBe("http://api.example:4000/graphql");
  });

  test("an unbound token goes as `Bearer <token>`, with no proof", async () => {
    expect(await authorizationHeaders({ token, type: "Bearer" }, "POST", "/graphql")).toEqual({ Authorization: `Bearer ${token}` });
  });
});

describe("authorizingFetch", () => {
  test("adds the token held when the request is sent to the headers already there, for the method and URL sent", async () => {
    const sent = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => new Response("{}"));
    let held: IssuedToken | null = null;
    const send = authorizingFetch(sent as typeof fetch, () => held);

    await send("/graphql", { method: "POST", headers: { "content-type": "application/json" } });
    expect(new Headers(sent.mock.calls[0]![1]!.headers).get("authorization")).toBeNull(); // no token yet: anonymous

    held = await boundToken();
    await send("/graphql?ignored=1", { method: "POST", headers: { "content-type": "application/json" } });
    const headers = new Headers(sent.mock.calls[1]![1]!.headers);
    expect(headers.get("content-type")).toBe("application/json");
    expect(headers.get("authorization")).toBe(`DPoP ${token}`);
    const proof = await readProof(headers.get("dpop")!);
    expect(proof.claims).toMatchObject({ htm: "POST", htu: "http://localhost:5173/graphql" });
  });
});
