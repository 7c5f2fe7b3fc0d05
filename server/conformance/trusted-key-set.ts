// The kit's trusted key set, for servers that verify with a key set: the kit serves the auth service's public
// keys plus one key of its own, and the resource server under test is pointed at it (API_JWKS_URL or its
// equivalent). Then the kit signs tokens whose signature the server trusts and whose claims the contract
// refuses (expired, wrong aud, ...), which it could not otherwise make from outside. A test setting only:
// a server that trusts this set accepts whatever the kit signs.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AuthClient } from "./auth-client.ts";
import { eddsa, strangerKey, type TrustedSigner } from "./forged-tokens.ts";

export interface TrustedKeySet {
  url: string;
  signer: TrustedSigner;
  /** Requests the resource server made for the set (the kit prints it: a server that never asked did not use it). */
  requests(): number;
  close(): Promise<void>;
}

export async function serveTrustedKeySet(auth: AuthClient, port: number): Promise<TrustedKeySet> {
  const key = await strangerKey(`conformance-kit-${randomUUID()}`);
  let requests = 0;
  const server = createServer((_request, response) => {
    requests += 1;
    auth.jwks().then(
      ({ keys }) => {
        response.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
        response.end(JSON.stringify({ keys: [...keys, key.publicJwk] }));
      },
      () => {
        response.writeHead(502);
        response.end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    signer: {
      describe: "the kit's key in the served key set",
      sign: (claims, header = {}) => eddsa({ typ: "JWT", kid: key.publicJwk.kid, ...header }, claims, key.privateKey),
    },
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
