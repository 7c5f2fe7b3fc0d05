// DPoP (RFC 9449) across the boundary: the auth service binds a token to the key of the proof its request
// carried (cnf.jkt, token_type "DPoP"), and the API takes a bound token only with the DPoP scheme and a fresh proof
// from that key, made for this request and this token. Each refusal is an attack: the token copied and replayed
// with another key, with no proof, as Bearer; a proof for another method or URL, too old or from the future, for
// another token, replayed (at the same and at another API instance), unsigned, MACed, carrying a private key, or
// without its type. Real services, real PostgreSQL, real signed tokens.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createAuthApp } from "../src/auth/app.ts";
import { createAuth } from "../src/auth/auth.ts";
import { decodePayload } from "./support/token-forgery.ts";
import { ProofKey } from "../conformance/dpop-proofs.ts";
import { type GraphQLResponse, startTestSystem, type TestSystem, type TestUser } from "./support/test-system.ts";

const API_URL = "http://api.test/graphql";
const ME = "{ me { id email } }";
const INVALID_PROOF = 'DPoP error="invalid_dpop_proof", error_description="The DPoP proof is missing or not acceptable", algs="ES256"';
const INVALID_BOUND_TOKEN =
  'DPoP error="invalid_token", error_description="The access token is invalid, expired or not bound to a DPoP key", algs="ES256"';

let system: TestSystem;
let user: TestUser;
beforeAll(async () => {
  system = await startTestSystem();
  user = await system.signUp("Dora");
});
afterAll(() => system.close());

const tokenUrl = () => `${system.authUrl}/api/auth/token`;

async function tokenRequest(headers: Record<string, string>): Promise<Response> {
  return system.authFetch("/api/auth/token", { headers: { cookie: user.cookie, ...headers } });
}

/** A token bound to `key`, as the SPA gets one. */
async function boundToken(key: ProofKey): Promise<string> {
  const answer = await tokenRequest({ dpop: await key.proof("GET", tokenUrl()) });
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { token: string }).token;
}

function withDpop(token: string, proof: string | undefined, api = system.api): Promise<GraphQLResponse> {
  return system.graphql(ME, { api, headers: { authorization: `DPoP ${token}`, ...(proof === undefined ? {} : { dpop: proof }) } });
}

/** 401, no data, the challenge named. */
function expectRefused(response: GraphQLResponse, challenge: string, code: string): void {
  expect({ status: response.status, challenge: response.headers.get("www-authenticate"), data: response.body.data }).toEqual({
    status: 401,
    challenge,
    data: undefined,
  });
  expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual([code]);
}

describe("the token endpoint", () => {
  test("a request with a proof gets a token bound to the proof's key; one without gets a bearer token", async () => {
    const key = await ProofKey.generate();
    const bound = await tokenRequest({ dpop: await key.proof("GET", tokenUrl()) });
    const boundAnswer = (await bound.json()) as { token: string; token_type: string };
    expect(boundAnswer.token_type).toBe("DPoP");
    expect(decodePayload(boundAnswer.token).cnf).toEqual({ jkt: key.thumbprint });

    const plain = (await (await tokenRequest({})).json()) as { token: string; token_type: string };
    expect(plain.token_type).toBe("Bearer");
    expect(decodePayload(plain.token).cnf).toBeUndefined();
  });

  test("a bad proof gets 400 invalid_dpop_proof and no token: another URL, another method, replayed, a private key", async () => {
    const key = await ProofKey.generate();
    const replayed = await key.proof("GET", tokenUrl());
    await boundToken(key); // a proof of its own
    expect((await tokenRequest({ dpop: replayed })).status).toBe(200);
    const proofs = {
      "another URL": await key.proof("GET", `${system.authUrl}/api/auth/get-session`),
      "another method": await key.proof("POST", tokenUrl()),
      replayed,
      "a private key in the header": await key.carryingPrivateKey("GET", tokenUrl()),
    };
    for (const [what, proof] of Object.entries(proofs)) {
      const answer = await tokenRequest({ dpop: proof });
      expect({ what, status: answer.status, body: await answer.json() }).toEqual({
        what,
        status: 400,
        body: { error: "invalid_dpop_proof", error_description: "The DPoP proof is missing or not acceptable." },
      });
    }
  });

  test("AUTH_DPOP=required: a token request without a proof is refused, one with a proof is bound", async () => {
    // A second auth service instance on the same database, called in-process, with the setting.
    const required = createAuthApp(createAuth(system.db, { ...system.authConfig, dpop: "required" }, system.authServices()));
    const ask = (headers: Record<string, string>) =>
      required.fetch(new Request(tokenUrl(), { headers: { cookie: user.cookie, ...headers } }));
    const refused = await ask({});
    expect({ status: refused.status, body: await refused.json() }).toMatchObject({ status: 400, body: { error: "invalid_dpop_proof" } });
    const key = await ProofKey.generate();
    const bound = await ask({ dpop: await key.proof("GET", tokenUrl()) });
    expect(decodePayload(((await bound.json()) as { token: string }).token).cnf).toEqual({ jkt: key.thumbprint });
  });
});

describe("at the API", () => {
  test("a bound token with a fresh proof from its key is the user; every request needs a proof of its own", async () => {
    const key = await ProofKey.generate();
    const token = await boundToken(key);
    for (let request = 0; request < 3; request += 1) {
      const answer = await withDpop(token, await key.proof("POST", API_URL, token));
      expect(answer.body).toEqual({ data: { me: { id: user.id, email: user.email } } });
    }
  });

  test("a copied bound token is refused: as Bearer, with no proof, with a proof from another key", async () => {
    const key = await ProofKey.generate();
    const token = await boundToken(key);
    // Verified once, so the refusals below also go through the verifier's cache of good tokens.
    expect((await withDpop(token, await key.proof("POST", API_URL, token))).status).toBe(200);

    expectRefused(await system.graphql(ME, { token }), INVALID_BOUND_TOKEN, "INVALID_TOKEN");
    expectRefused(await withDpop(token, undefined), INVALID_PROOF, "INVALID_DPOP_PROOF");
    const thief = await ProofKey.generate();
    expectRefused(await withDpop(token, await thief.proof("POST", API_URL, token)), INVALID_PROOF, "INVALID_DPOP_PROOF");
  });

  test("each bad proof is refused with invalid_dpop_proof and no data", async () => {
    const key = await ProofKey.generate();
    const token = await boundToken(key);
    const other = await system.tokenFor(user.cookie); // another token of the same user (a bound one this second would be the same)
    const now = Math.floor(Date.now() / 1000);
    const forged = (changes: Parameters<ProofKey["signed"]>[2] = {}) => key.signed("POST", API_URL, { token, ...changes });
    const proofs: Record<string, string> = {
      "another method": await forged({ htm: "GET" }),
      "another URL": await forged({ htu: "http://api.test/other" }),
      "another host": await forged({ htu: "http://evil.test/graphql" }),
      "iat 5 minutes ago": await forged({ iat: now - 300 }),
      "iat 5 minutes ahead": await forged({ iat: now + 300 }),
      "for another token (ath)": await forged({ token: other }),
      "no ath": await key.signed("POST", API_URL),
      "alg none": key.unsigned("POST", API_URL, token),
      HS256: key.hs256("POST", API_URL, token),
      "a private key in the header": await key.carryingPrivateKey("POST", API_URL, token),
      "no typ": await forged({ without: ["typ"] }),
      "typ JWT": await forged({ header: { typ: "JWT" } }),
      "two proofs": `${await forged()}, ${await forged()}`,
      "not a JWS": "not-a-proof",
    };
    for (const [what, proof] of Object.entries(proofs)) {
      const answer = await withDpop(token, proof);
      expect({ what, status: answer.status, data: answer.body.data }).toEqual({ what, status: 401, data: undefined });
      expectRefused(answer, INVALID_PROOF, "INVALID_DPOP_PROOF");
    }
    // The same claims, signed properly, pass: each refusal above is for what it changed.
    expect((await withDpop(token, await forged())).status).toBe(200);
  });

  test("a proof is good once: replayed at the same instance or at another instance on the same database, it is refused", async () => {
    const key = await ProofKey.generate();
    const token = await boundToken(key);
    const other = system.apiWith({});
    try {
      const proof = await key.proof("POST", API_URL, token);
      expect((await withDpop(token, proof)).status).toBe(200);
      expectRefused(await withDpop(token, proof), INVALID_PROOF, "INVALID_DPOP_PROOF");
      expectRefused(await withDpop(token, proof, other), INVALID_PROOF, "INVALID_DPOP_PROOF");

      const second = await key.proof("POST", API_URL, token);
      expect((await withDpop(token, second, other)).status).toBe(200);
      expectRefused(await withDpop(token, second), INVALID_PROOF, "INVALID_DPOP_PROOF");
    } finally {
      await other.dispose();
    }
  });

  test("one proof sent 20 times at once, half to each instance: exactly one request is answered", async () => {
    const key = await ProofKey.generate();
    const token = await boundToken(key);
    const other = system.apiWith({});
    try {
      const proof = await key.proof("POST", API_URL, token);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, index) => withDpop(token, proof, index % 2 === 0 ? system.api : other)),
      );
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
      for (const answer of answers.filter((answer) => answer.status !== 200)) expectRefused(answer, INVALID_PROOF, "INVALID_DPOP_PROOF");
    } finally {
      await other.dispose();
    }
  });

  test("an unbound token is refused with the DPoP scheme; taken as Bearer under API_DPOP=allowed, refused under required", async () => {
    const key = await ProofKey.generate();
    const plain = await system.tokenFor(user.cookie);
    expectRefused(await withDpop(plain, await key.proof("POST", API_URL, plain)), INVALID_BOUND_TOKEN, "INVALID_TOKEN");
    expect((await system.graphql(ME, { token: plain })).body.data).toEqual({ me: { id: user.id, email: user.email } });

    const required = system.apiWith({ dpop: "required" });
    try {
      expectRefused(await system.graphql(ME, { token: plain, api: required }), INVALID_BOUND_TOKEN, "INVALID_TOKEN");
      const bound = await boundToken(key);
      const answer = await withDpop(bound, await key.proof("POST", API_URL, bound), required);
      expect(answer.body).toEqual({ data: { me: { id: user.id, email: user.email } } });
      // Anonymous requests are still anonymous.
      expect((await system.graphql(ME, { api: required })).body).toEqual({ data: { me: null } });
    } finally {
      await required.dispose();
    }
  });

  test("behind a proxy: a proof naming API_PUBLIC_ORIGIN's URL is taken, one naming another origin is not", async () => {
    const key = await ProofKey.generate();
    const token = await boundToken(key);
    const proxied = system.apiWith({ publicOrigin: "https://tasks.example.com" });
    try {
      const good = await key.proof("POST", "https://tasks.example.com/graphql", token);
      expect((await withDpop(token, good, proxied)).status).toBe(200);
      const elsewhere = await key.proof("POST", "https://elsewhere.example.com/graphql", token);
      expectRefused(await withDpop(token, elsewhere, proxied), INVALID_PROOF, "INVALID_DPOP_PROOF");
    } finally {
      await proxied.dispose();
    }
  });
});

describe("pnpm dpop:proof (curl's proofs, README)", () => {
  test("its key, kept in a file only its owner reads, gets a bound token and calls the API with it; a proof works once", async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), "dpop-key-"));
    const keyFile = path.join(directory, "key.json");
    const proofFor = async (...args: string[]) =>
      (
        await promisify(execFile)(process.execPath, ["--import", "tsx", "src/scripts/dpop-proof.ts", "--key", keyFile, ...args])
      ).stdout.trim();
    try {
      const answer = await tokenRequest({ dpop: await proofFor("GET", tokenUrl()) });
      const { token, token_type } = (await answer.json()) as { token: string; token_type: string };
      expect(token_type).toBe("DPoP");
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const proof = await proofFor("POST", API_URL, token);
      expect((await withDpop(token, proof)).body).toEqual({ data: { me: { id: user.id, email: user.email } } });
      expectRefused(await withDpop(token, proof), INVALID_PROOF, "INVALID_DPOP_PROOF");
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
