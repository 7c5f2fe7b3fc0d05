// Users and their tokens, made the way production makes them: sign-up at the real Better Auth service,
// the verification mail caught by the development catcher and its link followed (which signs in), then
// GET /api/auth/token with the session cookie (real Ed25519 key from the jwks table, real iss/aud).
// Each user also holds a DPoP key (P-256) and a second token, bound to it (cnf.jkt), from the same endpoint
// called with a proof as a DPoP client calls it (the project-dpop row presents it with a fresh proof per request).
// The service is called in-process through its fetch: no port, nothing else to trust.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { decodeJwt } from "jose";
import { createAuthApp } from "../src/auth/app.ts";
import { createAuth } from "../src/auth/auth.ts";
import { authConfig } from "../src/config.ts";
import { createDb } from "../src/db/client.ts";
import { readEnv } from "../src/env.ts";
import { CLIENT_IP_HEADER } from "../src/net/client-address.ts";
import { openMail } from "../src/mail/open-mail.server.ts";
import { createDpopKey, type DpopKey, makeDpopProof } from "./dpop-client.ts";

export interface BenchUser {
  id: string;
  name: string;
  /** A bearer token (no cnf). */
  token: string;
  /** The user's DPoP key and a token bound to it: usable only as `DPoP <token>` beside a proof from that key. */
  dpop: { key: DpopKey; token: string };
}

export interface BenchKeys {
  /** The public key set every server verifies against (the auth service's /api/auth/jwks). */
  jwks: string;
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
}

const FIRST_NAMES = ["Ada", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Edsger", "Radia"];
const ORIGIN = "http://localhost:5173";
const AUTH_BASE_URL = "http://127.0.0.1:4101";

export async function createBenchUsers(databaseUrl: string, count: number): Promise<{ users: BenchUser[]; keys: BenchKeys }> {
  const env = readEnv({
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
    AUTH_BASE_URL,
    AUTH_TRUSTED_ORIGINS: ORIGIN,
    // Long enough for a default run (about 10 minutes) with room to spare; the API checks exp as usual.
    JWT_EXPIRATION: "2h",
    // Ten sign-ups in a row from one process: the auth service's per-IP limits are not what is measured.
    AUTH_SIGN_UP_PER_MINUTE: "0",
    AUTH_SIGN_IN_PER_MINUTE: "0",
  });
  const mailDir = mkdtempSync(path.join(tmpdir(), "tasks-bench-mail-"));
  const config = { ...authConfig(env), mail: { kind: "catcher" as const, port: 0, directory: mailDir, from: "Bench <bench@localhost>" } };
  const db = createDb(databaseUrl, { poolSize: 2 });
  const mail = await openMail(config.mail, () => {});
  try {
    const app = createAuthApp(createAuth(db, config, { mailer: mail.mailer }));
    const call = async (path: string, init: RequestInit = {}, expectedStatus = 200) => {
      const headers = new Headers(init.headers);
      headers.set("origin", ORIGIN);
      // What src/http-server.ts sets from the socket; these calls are in-process, from loopback.
      headers.set(CLIENT_IP_HEADER, "127.0.0.1");
      if (init.body) headers.set("content-type", "application/json");
      const response = await app.fetch(new Request(`${config.baseURL}${path}`, { ...init, headers }));
      if (response.status !== expectedStatus) throw new Error(`${path} answered HTTP ${response.status}: ${await response.text()}`);
      return response;
    };
    const users: BenchUser[] = [];
    for (let index = 0; index < count; index += 1) {
      const name = `${FIRST_NAMES[index % FIRST_NAMES.length]} Bench${index}`;
      const email = `bench-${index}@example.com`;
      const signedUp = await call("/api/auth/sign-up/email", {
        method: "POST",
        body: JSON.stringify({ email, password: randomBytes(12).toString("hex"), name, callbackURL: `${ORIGIN}/` }),
      });
      // The link signs in only the browser that signed up: it carries the cookie the sign-up's answer set.
      const binding = signedUp.headers
        .getSetCookie()
        .map((value) => value.split(";")[0])
        .join("; ");
      const link = new URL((await mail.catcher!.waitFor(email)).links[0]!);
      const verified = await call(`${link.pathname}${link.search}`, { headers: { cookie: binding } }, 302);
      const user = await db.user.findUniqueOrThrow({ where: { email }, select: { id: true } });
      const cookie = verified.headers
        .getSetCookie()
        .map((value) => value.split(";")[0])
        .join("; ");
      const { token } = (await (await call("/api/auth/token", { headers: { cookie } })).json()) as { token: string };
      const key = await createDpopKey();
      const proof = makeDpopProof(key, { method: "GET", url: `${config.baseURL}/api/auth/token` });
      const bound = (await (await call("/api/auth/token", { headers: { cookie, dpop: proof } })).json()) as {
        token: string;
        token_type: string;
      };
      const { cnf } = decodeJwt(bound.token) as { cnf?: { jkt?: string } };
      if (bound.token_type !== "DPoP" || cnf?.jkt !== key.jkt) {
        throw new Error(`the token endpoint did not bind ${email}'s token to its DPoP key (token_type ${bound.token_type})`);
      }
      users.push({ id: user.id, name, token, dpop: { key, token: bound.token } });
    }
    const jwks = await (await call("/api/auth/jwks")).text();
    return {
      users,
      keys: { jwks, issuer: config.issuer, audience: config.audience, clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_SECONDS },
    };
  } finally {
    await mail.close();
    rmSync(mailDir, { recursive: true, force: true });
    await db.$disconnect();
  }
}
