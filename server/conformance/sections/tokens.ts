// Section 1: the token. A real token is accepted; every forgery the contract names is refused with 401,
// `WWW-Authenticate: Bearer error="invalid_token"` and no data; malformed headers never get a 500 or data.
import { createPublicKey, randomUUID } from "node:crypto";
import { bearer } from "../dialect.ts";
import { type Claims, decodePart, eddsa, hs256, strangerKey, type TrustedSigner, unsigned } from "../forged-tokens.ts";
import { excerpt, sleep } from "../http.ts";
import { startKeyListener } from "../key-listener.ts";
import { expectInvalidToken, expectNoData, type Kit } from "../kit.ts";
import { fail, NotRun } from "../report.ts";

export async function tokensSection(kit: Kit): Promise<void> {
  const { report, dialect, auth } = kit;
  report.section("tokens");
  const user = await kit.user(0);
  const token = await auth.tokenOrThrow(user);
  const header = decodePart(token, 0);
  const claims = decodePart(token, 1);
  const sub = String(claims.sub);
  // A task only this user has: its title must never appear in a refusal.
  const secretTitle = `kit-secret-${randomUUID()}`;
  await dialect.create(bearer(token), { title: secretTitle });
  const secrets = [sub, secretTitle];
  const refused = async (forged: string) => expectInvalidToken(await dialect.whoAmI(bearer(forged)), secrets);

  await report.check("a valid token is accepted", async () => {
    const answer = await dialect.whoAmI(bearer(token));
    if (answer.outcome !== "data" || answer.data?.id !== sub)
      fail(`expected the user ${sub}, got ${answer.status} ${excerpt(answer.text)}`);
    return `${header.alg}, kid ${String(header.kid ?? "none")}`;
  });

  await report.check("a token with alg none is refused", () => refused(unsigned(header, claims)));
  await report.check("a token whose signature is altered is refused", async () => {
    const [h, p, s = ""] = token.split(".");
    const flipped = `${s.slice(0, 4)}${s[4] === "A" ? "B" : "A"}${s.slice(5)}`;
    return refused(`${h}.${p}.${flipped}`);
  });
  await report.check("a token whose claims are changed under the original signature is refused", async () => {
    const [h, , s] = token.split(".");
    return refused(`${h}.${Buffer.from(JSON.stringify({ ...claims, role: "admin" })).toString("base64url")}.${s}`);
  });

  // In shared-secret mode the auth service publishes no public key: then there is none to misuse as a secret.
  const keys = await auth.jwks().then(
    (set) => set.keys,
    () => [],
  );
  const realKey = keys.find((key) => key.kid === header.kid) ?? keys[0];
  const publicKey = realKey ? createPublicKey({ key: realKey as never, format: "jwk" }) : undefined;
  const forms: [string, () => Uint8Array | string][] = [
    ["the public key's raw bytes", () => Buffer.from(String(realKey?.x ?? ""), "base64url")],
    ["the public key as PEM", () => publicKey?.export({ type: "spki", format: "pem" }).toString() ?? ""],
    ["the public key as DER", () => publicKey?.export({ type: "spki", format: "der" }) ?? ""],
    ["the public key as JWK JSON", () => JSON.stringify(realKey)],
  ];
  for (const [form, bytes] of forms) {
    await report.check(`HS256 signed with ${form} is refused`, async () => {
      if (!realKey) throw new NotRun("the auth service publishes no public key (shared-secret mode)");
      return refused(hs256(header, claims, bytes()));
    });
  }

  const stranger = await strangerKey(`kit-${randomUUID()}`);
  await report.check("a signature by another key under the right kid is refused", async () =>
    refused(await eddsa({ ...header }, claims, stranger.privateKey)),
  );
  await report.check("an unknown kid is refused", async () =>
    refused(await eddsa({ ...header, kid: stranger.publicJwk.kid }, claims, stranger.privateKey)),
  );
  await report.check("a token with no kid is refused", async () => {
    const { kid: _kid, ...withoutKid } = header;
    return refused(await eddsa(withoutKid, claims, stranger.privateKey));
  });

  const listener = await startKeyListener([stranger.publicJwk]);
  try {
    const pointers: [string, Record<string, unknown>][] = [
      ["jku", { kid: stranger.publicJwk.kid, jku: `${listener.url}/jwks.json` }],
      ["jku under the right kid", { kid: header.kid, jku: `${listener.url}/right-kid/jwks.json` }],
      ["x5u", { kid: stranger.publicJwk.kid, x5u: `${listener.url}/cert.pem` }],
      ["jwk", { kid: stranger.publicJwk.kid, jwk: stranger.publicJwk }],
      ["jwk under the right kid", { kid: header.kid, jwk: { ...stranger.publicJwk, kid: header.kid } }],
      ["x5c", { kid: stranger.publicJwk.kid, x5c: [Buffer.from("not a certificate the server may trust").toString("base64")] }],
    ];
    for (const [name, extra] of pointers) {
      await report.check(`a token carrying ${name} is refused, never followed`, async () => {
        const before = listener.requests.length;
        const detail = await refused(await eddsa({ ...header, ...extra }, claims, stranger.privateKey));
        await sleep(300);
        if (listener.requests.length > before)
          fail(`the server fetched from the kit's listener: ${listener.requests.slice(before).join(", ")}`);
        return `${detail}, the listener got no request`;
      });
    }
  } finally {
    await listener.close();
  }

  // CONTRACT.md section 5: a header that is not exactly `Bearer` and one credential is a malformed request
  // (400 invalid_request); a credential that is no valid token is an invalid token (401 invalid_token);
  // headers over the HTTP server's limit may be refused before the token is read (431).
  const notOneBearer = "400 invalid_request";
  const notAToken = "401 invalid_token";
  const malformed: [string, string, string[]][] = [
    ["Bearer with no token", "Bearer", [notOneBearer]],
    ["Bearer and a space", "Bearer ", [notOneBearer]],
    ["Basic credentials", "Basic a2l0OmtpdC1wYXNzd29yZA==", [notOneBearer]],
    ["two tokens in one header", `Bearer ${token} ${token}`, [notOneBearer]],
    ["two bearer credentials", `Bearer ${token}, Bearer ${token}`, [notOneBearer]],
    ["another scheme with a real token", `Token ${token}`, [notOneBearer]],
    ["a token that is not a JWT", "Bearer not-a-jwt", [notAToken]],
    ["a JWT of empty parts", "Bearer ..", [notAToken]],
    ["a token of 20,000 characters", `Bearer ${"a".repeat(20_000)}`, [notAToken, "431"]],
  ];
  for (const [name, value, expected] of malformed) {
    await report.check(`malformed Authorization (${name}): ${expected.join(" or ")}, no data`, async () => {
      const answer = await dialect.whoAmI(value);
      expectNoData(answer, secrets);
      const error = /error="([^"]*)"/.exec(answer.challenge ?? "")?.[1];
      const seen = answer.status === 431 ? "431" : `${answer.status} ${error ?? "(no WWW-Authenticate error)"}`;
      if (!expected.includes(seen)) fail(`expected ${expected.join(" or ")}, got ${seen}: ${excerpt(answer.text)}`);
      return seen;
    });
  }

  await report.check("a token in the URL is refused, never used", async () => {
    const answer = await dialect.whoAmIWithTokenInUrl(token);
    expectNoData(answer, secrets);
    const error = /error="([^"]*)"/.exec(answer.challenge ?? "")?.[1];
    if (answer.status !== 400 || error !== "invalid_request")
      fail(`expected ${notOneBearer}, got ${answer.status} ${error ?? "(no WWW-Authenticate error)"}: ${excerpt(answer.text)}`);
    return `${answer.status} ${error}`;
  });

  await forgedClaims(kit, kit.trustedSigner, claims, secrets);
}

/** Claims the contract refuses, on tokens whose signature the server trusts: only when the kit holds such a key. */
async function forgedClaims(kit: Kit, signer: TrustedSigner | null, real: Claims, secrets: string[]): Promise<void> {
  const { report, dialect } = kit;
  const now = Math.floor(Date.now() / 1000);
  const lifetime = Number(real.exp) - Number(real.iat);
  const base: Claims = { ...real, iat: now, exp: now + lifetime };
  const cases: [string, Claims, Record<string, unknown>?][] = [
    ["an expired token", { ...base, iat: now - lifetime - 120, exp: now - 120 }],
    ["a token with nbf in the future", { ...base, nbf: now + 600 }],
    ["a token with the wrong iss", { ...base, iss: `${String(real.iss)}.evil.example` }],
    ["a token with the wrong aud", { ...base, aud: "another-api" }],
    ...(["sub", "sid", "exp", "iat", "iss", "aud"] as const).map((claim): [string, Claims] => {
      const { [claim]: _dropped, ...rest } = base;
      return [`a token without ${claim}`, rest];
    }),
    ["a token past the maximum age with a far-future exp", { ...base, iat: now - lifetime - 600, exp: now + 10 * 365 * 24 * 3600 }],
    ["a token whose role is neither user nor admin", { ...base, role: "superuser" }],
    ["a token of typ logout+jwt", base, { typ: "logout+jwt" }],
  ];
  if (!signer) {
    for (const [name] of cases) {
      await report.check(`${name} is refused`, async () => {
        throw new NotRun("needs a key the server trusts: --serve-keys <port> (and the server pointed at it) or --shared-secret");
      });
    }
    return;
  }
  const trusted = await report.check(`a token signed by ${signer.describe} with the real claims is accepted (control)`, async () => {
    const answer = await dialect.whoAmI(bearer(await signer.sign(base)));
    if (answer.outcome !== "data") fail(`the server does not trust the kit's key: ${answer.status} ${excerpt(answer.text)}`);
  });
  for (const [name, claims, header] of cases) {
    await report.check(`${name} is refused`, async () => {
      if (!trusted) fail("the control token was refused, so this refusal proves nothing");
      return expectInvalidToken(await dialect.whoAmI(bearer(await signer.sign(claims, header))), secrets);
    });
  }
}
