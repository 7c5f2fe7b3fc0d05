// Users and their tokens, made the way production makes them: sign-up at the real Better Auth service,
// then GET /api/auth/token with the session cookie (real Ed25519 key from the jwks table, real iss/aud).
// The service is called in-process through its fetch: no port, nothing else to trust.
import { randomBytes } from "node:crypto";
import { createAuthApp } from "../src/auth/app.ts";
import { createAuth } from "../src/auth/auth.ts";
import { authConfig } from "../src/config.ts";
import { createDb } from "../src/db/client.ts";
import { readEnv } from "../src/env.ts";
import { CLIENT_IP_HEADER } from "../src/http-server.ts";

export interface BenchUser {
  id: string;
  name: string;
  token: string;
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
  const config = authConfig(env);
  const db = createDb(databaseUrl, { poolSize: 2 });
  try {
    const app = createAuthApp(createAuth(db, config));
    const call = async (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set("origin", ORIGIN);
      // What src/http-server.ts sets from the socket; these calls are in-process, from loopback.
      headers.set(CLIENT_IP_HEADER, "127.0.0.1");
      if (init.body) headers.set("content-type", "application/json");
      const response = await app.fetch(new Request(`${config.baseURL}${path}`, { ...init, headers }));
      if (response.status !== 200) throw new Error(`${path} answered HTTP ${response.status}: ${await response.text()}`);
      return response;
    };
    const users: BenchUser[] = [];
    for (let index = 0; index < count; index += 1) {
      const name = `${FIRST_NAMES[index % FIRST_NAMES.length]} Bench${index}`;
      const signUp = await call("/api/auth/sign-up/email", {
        method: "POST",
        body: JSON.stringify({ email: `bench-${index}@example.com`, password: randomBytes(12).toString("hex"), name }),
      });
      const { user } = (await signUp.json()) as { user: { id: string } };
      const cookie = signUp.headers
        .getSetCookie()
        .map((value) => value.split(";")[0])
        .join("; ");
      const { token } = (await (await call("/api/auth/token", { headers: { cookie } })).json()) as { token: string };
      users.push({ id: user.id, name, token });
    }
    const jwks = await (await call("/api/auth/jwks")).text();
    return {
      users,
      keys: { jwks, issuer: config.issuer, audience: config.audience, clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_SECONDS },
    };
  } finally {
    await db.$disconnect();
  }
}
