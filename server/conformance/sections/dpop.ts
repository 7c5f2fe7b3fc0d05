// Section 4: DPoP (RFC 9449, issue 32). The auth service binds a token to the key of the proof that asked for
// it (`token_type: "DPoP"`, `cnf.jkt`); a resource server accepts that token only as `Authorization: DPoP`
// with a fresh proof by that key for that very request, and refuses everything else with 401, a
// `WWW-Authenticate: DPoP error=...` challenge naming `algs="ES256"`, and no data.
import { randomUUID } from "node:crypto";
import type { KitUser } from "../auth-client.ts";
import { type Answer, type Authorization, bearer, type ProofMaker } from "../dialect.ts";
import { athOf, ProofKey } from "../dpop-proofs.ts";
import { decodePart } from "../forged-tokens.ts";
import { excerpt } from "../http.ts";
import { expectNoData, type Kit } from "../kit.ts";
import { fail, NotRun } from "../report.ts";

/** How far off a proof's `iat` is in the stale and future checks: well outside any window a server may allow. */
const IAT_OFFSET_S = 300;

type DpopError = "invalid_dpop_proof" | "invalid_token";
const CODES: Record<DpopError, string> = { invalid_dpop_proof: "INVALID_DPOP_PROOF", invalid_token: "INVALID_TOKEN" };

/** The refusal RFC 9449 section 7.1 and the contract ask for: 401, a DPoP challenge with the error and `algs`, no data. */
export function expectDpopRefusal(answer: Answer<unknown>, error: DpopError, secrets: string[]): string {
  if (answer.status !== 401) fail(`expected 401, got ${answer.status} ${answer.outcome}: ${excerpt(answer.text)}`);
  const challenge = /(?:^|,\s*)DPoP\s+(.*)$/i.exec(answer.challenge ?? "")?.[1];
  if (challenge === undefined || !challenge.includes(`error="${error}"`) || !/algs="[^"]*\bES256\b[^"]*"/.test(challenge))
    fail(`expected WWW-Authenticate: DPoP error="${error}", algs="ES256", got ${answer.challenge ?? "none"}`);
  expectNoData(answer, secrets);
  if (answer.code !== CODES[error]) fail(`expected the code ${CODES[error]}, got ${answer.code ?? "none"}: ${excerpt(answer.text)}`);
  return `401 ${error}`;
}

export async function dpopSection(kit: Kit): Promise<void> {
  kit.report.section("DPoP");
  const user = await kit.user(0);
  const key = await ProofKey.generate();
  const bound = await tokenEndpoint(kit, user, key);
  await resourceServer(kit, user, key, bound);
}

/** GET /api/auth/token: a proof gets a bound token; a bad proof gets 400 invalid_dpop_proof and no token. */
async function tokenEndpoint(kit: Kit, user: KitUser, key: ProofKey): Promise<string | null> {
  const { report, auth } = kit;
  const url = auth.tokenUrl;
  let bound: string | null = null;
  await report.check(
    "GET /api/auth/token with a proof answers token_type DPoP and a token whose cnf.jkt is the key's thumbprint",
    async () => {
      const answer = await auth.tokenAnswer(user, await key.proof("GET", url));
      const body = answer.json as { token?: unknown; token_type?: unknown } | undefined;
      if (answer.status !== 200 || typeof body?.token !== "string")
        fail(`expected 200 and a token, got ${answer.status}: ${excerpt(answer.text)}`);
      if (body.token_type !== "DPoP") fail(`expected token_type "DPoP", got ${JSON.stringify(body.token_type)}`);
      const cnf = decodePart(body.token, 1).cnf as { jkt?: unknown } | undefined;
      if (cnf?.jkt !== key.thumbprint) fail(`expected cnf.jkt ${key.thumbprint} (RFC 7638), got cnf ${JSON.stringify(cnf)}`);
      bound = body.token;
      return `cnf.jkt ${key.thumbprint}`;
    },
  );

  await report.check("GET /api/auth/token without a proof answers a Bearer token with no cnf (or 400 when DPoP is required)", async () => {
    const answer = await auth.tokenAnswer(user, null);
    const body = answer.json as { token?: unknown; token_type?: unknown; error?: unknown } | undefined;
    if (answer.status === 400 && body?.error === "invalid_dpop_proof" && body.token === undefined)
      return "400: the auth service requires DPoP";
    if (answer.status !== 200 || typeof body?.token !== "string")
      fail(`expected 200 and a token, got ${answer.status}: ${excerpt(answer.text)}`);
    if (body.token_type !== "Bearer") fail(`expected token_type "Bearer", got ${JSON.stringify(body.token_type)}`);
    const cnf = decodePart(body.token, 1).cnf;
    if (cnf !== undefined) fail(`a token asked for without a proof carries cnf ${JSON.stringify(cnf)}`);
    return "token_type Bearer, no cnf";
  });

  const other = await ProofKey.generate();
  const now = () => Math.floor(Date.now() / 1000);
  const badProofs: [string, () => Promise<string> | string][] = [
    ["a proof for another method (POST)", () => key.proof("POST", url)],
    ["a proof for another URL", () => key.proof("GET", `${url}-elsewhere`)],
    [`a proof whose iat is ${IAT_OFFSET_S} s old`, () => key.signed("GET", url, { iat: now() - IAT_OFFSET_S })],
    ["a proof with alg none", () => key.unsigned("GET", url)],
    ["a proof whose signature is not by its jwk", () => key.signed("GET", url, { header: { jwk: other.jwk } })],
  ];
  const refusedAtTokenEndpoint = async (proof: string) => {
    const answer = await auth.tokenAnswer(user, proof);
    const body = answer.json as { token?: unknown; error?: unknown } | undefined;
    if (answer.status !== 400 || body?.error !== "invalid_dpop_proof")
      fail(`expected 400 {"error":"invalid_dpop_proof"}, got ${answer.status}: ${excerpt(answer.text)}`);
    if (body.token !== undefined) fail(`the refusal carries a token: ${excerpt(answer.text)}`);
    return "400 invalid_dpop_proof";
  };
  for (const [name, proof] of badProofs) {
    await report.check(`GET /api/auth/token refuses ${name}: 400 invalid_dpop_proof, no token`, async () =>
      refusedAtTokenEndpoint(await proof()),
    );
  }
  await report.check("GET /api/auth/token refuses a proof used before: 400 invalid_dpop_proof, no token", async () => {
    const proof = await key.proof("GET", url);
    const first = await auth.tokenAnswer(user, proof);
    if (first.status !== 200)
      fail(`the proof's first use was refused, so its second proves nothing: ${first.status} ${excerpt(first.text)}`);
    return refusedAtTokenEndpoint(proof);
  });
  return bound;
}

/** The resource server, on every instance given: the accepted path, then each refusal. */
async function resourceServer(kit: Kit, user: KitUser, key: ProofKey, bound: string | null): Promise<void> {
  const { report, dialect, instances, auth } = kit;
  const where = instances.length > 1 ? ` at each of the ${instances.length} instances` : "";
  const token = bound ?? "";
  const sub = bound ? String(decodePart(bound, 1).sub) : "";
  const dpop = (proof: ProofMaker, tokenSent = token): Authorization => ({ authorization: `DPoP ${tokenSent}`, proof });
  const fresh: ProofMaker = (method, url) => key.proof(method, url, token);
  const secretTitle = `kit-dpop-secret-${randomUUID()}`;
  const secrets = [sub, secretTitle];

  const accepted = await report.check(`a bound token as DPoP with a fresh proof is accepted${where}: me is the user`, async () => {
    if (!bound) fail("the auth service gave no bound token");
    for (const instance of instances) {
      const answer = await instance.whoAmI(dpop(fresh));
      if (answer.outcome !== "data" || answer.data?.id !== sub)
        fail(`expected the user ${sub}, got ${answer.status} ${answer.challenge ?? ""} ${excerpt(answer.text)}`);
    }
  });
  await report.check("a task created with DPoP is read back with DPoP", async () => {
    if (!accepted) fail("the bound token is not accepted at all");
    const created = await dialect.create(dpop(fresh), { title: secretTitle });
    if (created.outcome !== "data" || !created.data) fail(`the create answered ${created.status}: ${excerpt(created.text)}`);
    const read = await dialect.get(dpop(fresh), created.data.id);
    if (read.outcome !== "data" || read.data?.title !== secretTitle) fail(`the read answered ${read.status}: ${excerpt(read.text)}`);
    return instances.length > 1 ? "created through one instance, read through another" : "";
  });

  /** A refusal proves something only when the same token with a correct proof is accepted. */
  const refused = async (name: string, error: DpopError, authorization: () => Promise<Authorization>) =>
    report.check(`${name}: 401 DPoP error="${error}", no data`, async () => {
      if (!accepted) fail("the bound token with a correct proof was not accepted, so this refusal proves nothing");
      return expectDpopRefusal(await dialect.whoAmI(await authorization()), error, secrets);
    });
  const now = () => Math.floor(Date.now() / 1000);
  const other = await ProofKey.generate();

  await refused("a proof by another key than the token's", "invalid_dpop_proof", async () =>
    dpop((method, url) => other.proof(method, url, token)),
  );
  await refused("a proof for another method", "invalid_dpop_proof", async () =>
    dpop((method, url) => key.proof(method === "GET" ? "POST" : "GET", url, token)),
  );
  await refused("a proof for another URL", "invalid_dpop_proof", async () =>
    dpop((method, url) => key.proof(method, new URL("/elsewhere", url).toString(), token)),
  );
  await refused(`a proof whose iat is ${IAT_OFFSET_S} s old`, "invalid_dpop_proof", async () =>
    dpop((method, url) => key.signed(method, url, { token, iat: now() - IAT_OFFSET_S })),
  );
  await refused(`a proof whose iat is ${IAT_OFFSET_S} s ahead`, "invalid_dpop_proof", async () =>
    dpop((method, url) => key.signed(method, url, { token, iat: now() + IAT_OFFSET_S })),
  );
  await refused("a proof whose ath is another token's hash", "invalid_dpop_proof", async () =>
    dpop((method, url) => key.signed(method, url, { ath: athOf(`${token}.another`) })),
  );
  await refused("a proof without ath", "invalid_dpop_proof", async () => dpop((method, url) => key.signed(method, url)));
  await refused("a proof with alg none", "invalid_dpop_proof", async () => dpop(async (method, url) => key.unsigned(method, url, token)));
  await refused("a proof signed HS256 with its jwk as the secret", "invalid_dpop_proof", async () =>
    dpop(async (method, url) => key.hs256(method, url, token)),
  );
  await refused("a proof whose jwk is the private key (with d)", "invalid_dpop_proof", async () =>
    dpop((method, url) => key.carryingPrivateKey(method, url, token)),
  );
  await refused("a proof without typ", "invalid_dpop_proof", async () =>
    dpop((method, url) => key.signed(method, url, { token, without: ["typ"] })),
  );
  await refused("a proof of typ jwt", "invalid_dpop_proof", async () =>
    dpop((method, url) => key.signed(method, url, { token, header: { typ: "jwt" } })),
  );
  await refused("two proofs in the DPoP header", "invalid_dpop_proof", async () =>
    dpop(async (method, url) => [await key.proof(method, url, token), await key.proof(method, url, token)]),
  );
  await refused("the DPoP scheme with no proof", "invalid_dpop_proof", async () => dpop(async () => null));
  await refused("a bound token sent as Bearer", "invalid_token", async () => bearer(token));
  await refused("a bound token sent as Bearer with a correct proof beside it", "invalid_token", async () => ({
    authorization: bearer(token),
    proof: fresh,
  }));
  // Asked for last: under AUTH_DPOP=required there is no unbound token to send.
  const unbound = await auth.token(user);
  await report.check('an unbound token as DPoP with a correct proof: 401 DPoP error="invalid_token", no data', async () => {
    if (!accepted) fail("the bound token with a correct proof was not accepted, so this refusal proves nothing");
    if (!unbound) throw new NotRun("the auth service gives no unbound token (DPoP required)");
    return expectDpopRefusal(
      await dialect.whoAmI(dpop((method, url) => key.proof(method, url, unbound), unbound)),
      "invalid_token",
      secrets,
    );
  });

  await replays(kit, key, token, accepted, secrets);
}

/** A proof is good once (RFC 9449 section 11.1): a replay is refused by the instance that saw it and by every other. */
async function replays(kit: Kit, key: ProofKey, token: string, accepted: boolean, secrets: string[]): Promise<void> {
  const { report, instances } = kit;
  const [first, second] = instances;
  if (!first) return;
  const dpop = (proof: ProofMaker): Authorization => ({ authorization: `DPoP ${token}`, proof });

  await report.check('the same proof sent twice to one instance: the second is 401 DPoP error="invalid_dpop_proof", no data', async () => {
    if (!accepted) fail("the bound token with a correct proof was not accepted, so this refusal proves nothing");
    let proof: string | undefined;
    // The first request makes the proof; the second sends it again, unchanged.
    const once: ProofMaker = async (method, url) => {
      proof ??= await key.proof(method, url, token);
      return proof;
    };
    const answer = await first.whoAmI(dpop(once));
    if (answer.outcome !== "data") fail(`the proof's first use was refused: ${answer.status} ${excerpt(answer.text)}`);
    return expectDpopRefusal(await first.whoAmI(dpop(once)), "invalid_dpop_proof", secrets);
  });

  await report.check(
    'a jti used at one instance, in a new proof by the same key to another instance: 401 DPoP error="invalid_dpop_proof", no data',
    async () => {
      if (!second) throw new NotRun("one instance given (--api once): no other instance to replay at");
      if (!accepted) fail("the bound token with a correct proof was not accepted, so this refusal proves nothing");
      // Each instance's own URL is in its proof's htu, so the replay at the other is a new proof (right htu,
      // fresh iat) with the used jti: only a store the instances share refuses it.
      const jti = randomUUID();
      const withJti: ProofMaker = (method, url) => key.signed(method, url, { token, jti });
      const answer = await first.whoAmI(dpop(withJti));
      if (answer.outcome !== "data") fail(`the proof's first use was refused: ${answer.status} ${excerpt(answer.text)}`);
      return expectDpopRefusal(await second.whoAmI(dpop(withJti)), "invalid_dpop_proof", secrets);
    },
  );
}
