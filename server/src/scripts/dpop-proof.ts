// `pnpm -s dpop:proof <METHOD> <URL> [token]`: prints a DPoP proof (RFC 9449) for one request, signed with a key
// kept in .data/dpop-key.json (made on first use, readable by you alone), so curl can get and use a bound token
// (README "Tokens bound to the browser"). A proof is good once and for 60 s: make one per request. `--key <file>`
// keeps the key elsewhere. For development and trying things: the web app keeps its key in the browser, where it
// cannot be read out.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import { dataDir } from "../paths.ts";

const { positionals, values } = parseArgs({ allowPositionals: true, options: { key: { type: "string" } } });
const [method, url, token] = positionals;
if (!method || !url || !URL.canParse(url)) {
  console.error(
    "Usage: pnpm -s dpop:proof <METHOD> <URL> [access token]   e.g. pnpm -s dpop:proof GET http://localhost:4001/api/auth/token",
  );
  process.exit(1);
}
const keyFile = values.key ?? path.join(dataDir, "dpop-key.json");

async function keyPair(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  if (existsSync(keyFile)) return JSON.parse(readFileSync(keyFile, "utf8")) as { privateJwk: JWK; publicJwk: JWK };
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const pair = { privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
  mkdirSync(path.dirname(keyFile), { recursive: true });
  writeFileSync(keyFile, JSON.stringify(pair), { mode: 0o600 });
  return pair;
}

const { privateJwk, publicJwk } = await keyPair();
const target = new URL(url);
const proof = await new SignJWT({
  htm: method.toUpperCase(),
  htu: `${target.origin}${target.pathname}`,
  jti: randomUUID(),
  ...(token ? { ath: createHash("sha256").update(token).digest("base64url") } : {}),
})
  .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: publicJwk })
  .setIssuedAt()
  .sign(await importJWK(privateJwk, "ES256"));
console.log(proof);
