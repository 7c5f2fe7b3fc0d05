// What one DPoP proof costs, measured apart from any load (no server child running, PostgreSQL idle): the CPU
// the load tool spends making one (dpop-client.ts, as inside autocannon), and the CPU the API spends checking
// one (the API's own check, src/token-verification/dpop-proof.ts) with its replay store answered in memory: the
// INSERT that claims each jti in PostgreSQL is left to the project-dpop row's db CPU per request. Beside it, the
// floor of any check: the public key read from the proof's header and the ES256 signature verified by node:crypto
// alone, so the rest of the API's figure (jose's WebCrypto path, the claims, the thumbprint) reads apart.
import { createPublicKey, type JsonWebKey, verify } from "node:crypto";
import { createDpopProofVerifier } from "../src/token-verification/dpop-proof.ts";
import type { BenchUser } from "./bench-users.ts";
import { makeDpopProof } from "./dpop-client.ts";

export interface ProofCost {
  /** Proofs made (and as many checked) for each figure, after a warm-up. */
  proofs: number;
  /** Load-tool CPU to make one proof, µs. */
  makeCpuUs: number;
  /** API CPU to check one proof (signature, claims, thumbprint), without the jti's claim in PostgreSQL, µs. */
  checkCpuUs: number;
  /** The signature alone: the header's jwk made a key and the ES256 signature verified with node:crypto, µs. */
  signatureCpuUs: number;
}

const WARM_UP = 200;
/** Any URL will do: the check compares it with the proof's htu, nothing is sent. */
const URL = "http://127.0.0.1:4000/graphql";

export async function measureProofCost(user: BenchUser, count: number): Promise<ProofCost> {
  const target = { method: "POST", url: URL, accessToken: user.dpop.token };
  const make = () => makeDpopProof(user.dpop.key, target);
  for (let index = 0; index < WARM_UP; index += 1) make();
  const made: string[] = new Array(count);
  const makeStart = process.cpuUsage();
  for (let index = 0; index < count; index += 1) made[index] = make();
  const makeCpu = process.cpuUsage(makeStart);

  const verifier = createDpopProofVerifier({ firstUse: async () => true });
  const check = async (proof: string) => {
    const { jkt } = await verifier.verify({ proof, method: "POST", urls: [URL], accessToken: user.dpop.token, now: Date.now() });
    if (jkt !== user.dpop.key.jkt) throw new Error("the proof's key is not the user's DPoP key");
  };
  for (let index = 0; index < WARM_UP; index += 1) await check(make());
  const checkStart = process.cpuUsage();
  for (const proof of made) await check(proof);
  const checkCpu = process.cpuUsage(checkStart);

  const signatureStart = process.cpuUsage();
  for (const proof of made) verifySignature(proof);
  const signatureCpu = process.cpuUsage(signatureStart);

  const perProofUs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / count;
  return {
    proofs: count,
    makeCpuUs: perProofUs(makeCpu),
    checkCpuUs: perProofUs(checkCpu),
    signatureCpuUs: perProofUs(signatureCpu),
  };
}

function verifySignature(proof: string): void {
  const [header = "", claims = "", signature = ""] = proof.split(".");
  const { jwk } = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { jwk: JsonWebKey };
  const key = createPublicKey({ key: jwk, format: "jwk" });
  const valid = verify(
    "sha256",
    Buffer.from(`${header}.${claims}`),
    { key, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"),
  );
  if (!valid) throw new Error("a proof's signature did not verify");
}
