// The auth service as a person uses it (server/CONTRACT.md, Better Auth's endpoints under /api/auth): sign up,
// follow the mailed verification link in the same "browser", get tokens, sign out. Each user is a cookie jar.
import { randomUUID } from "node:crypto";
import { cookiesAfter } from "./cookie-jar.ts";
import { type HttpAnswer, excerpt, send, sleep } from "./http.ts";
import { mailedLink } from "./mailbox.ts";

export interface KitUser {
  email: string;
  password: string;
  /** The browser's cookies: the session. */
  cookie: string;
}

/** Better Auth limits sign-ups and sign-ins per address per minute: wait as told, this many times at most. */
const RATE_LIMIT_RETRIES = 3;

export class AuthClient {
  constructor(
    private readonly authUrl: string,
    private readonly origin: string,
    private readonly mail: string,
  ) {}

  private async post(path: string, body: unknown, cookie = ""): Promise<HttpAnswer> {
    for (let attempt = 0; ; attempt += 1) {
      const answer = await send(`${this.authUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: this.origin, ...(cookie ? { cookie } : {}) },
        body: JSON.stringify(body),
      });
      if (answer.status !== 429 || attempt >= RATE_LIMIT_RETRIES) return answer;
      const waitSeconds = Number(answer.headers.get("retry-after") ?? "60");
      console.log(`  (auth service rate limit on ${path}: waiting ${waitSeconds} s as its Retry-After says)`);
      await sleep(Math.min(Number.isFinite(waitSeconds) ? waitSeconds : 60, 120) * 1000 + 250);
    }
  }

  /** A new user: sign-up, the mailed link followed with the sign-up's cookies; signs in by password if the link does not. */
  async signUp(name: string): Promise<KitUser> {
    const email = `kit-${randomUUID()}@example.com`;
    const password = `Kit-${randomUUID()}`;
    const answer = await this.post("/api/auth/sign-up/email", { email, password, name });
    if (answer.status !== 200) throw new Error(`sign-up answered ${answer.status}: ${excerpt(answer.text)}`);
    const link = await mailedLink(this.mail, email, "verify-email");
    const cookie = cookiesAfter(sessionCookies(answer.headers), await send(link, { headers: { cookie: sessionCookies(answer.headers) } }));
    const user = { email, password, cookie };
    return (await this.token(user)) ? user : this.signIn(user);
  }

  /** A new session of the same user (another device). */
  async signIn(user: KitUser): Promise<KitUser> {
    const answer = await this.post("/api/auth/sign-in/email", { email: user.email, password: user.password });
    if (answer.status !== 200) throw new Error(`sign-in answered ${answer.status}: ${excerpt(answer.text)}`);
    return { ...user, cookie: sessionCookies(answer.headers) };
  }

  /** The token endpoint's URL as the kit addresses it: a DPoP proof for it names this `htu`. */
  get tokenUrl(): string {
    return `${this.authUrl}/api/auth/token`;
  }

  /** The token endpoint's whole answer, with a DPoP proof (RFC 9449) or without one (null). */
  async tokenAnswer(user: KitUser, proof: string | null): Promise<HttpAnswer> {
    return send(this.tokenUrl, { headers: { cookie: user.cookie, origin: this.origin, ...(proof === null ? {} : { dpop: proof }) } });
  }

  /** A token for the user's session, or null when the auth service gives none (no session, or DPoP required). */
  async token(user: KitUser): Promise<string | null> {
    const answer = await this.tokenAnswer(user, null);
    if (answer.status !== 200) return null;
    return (answer.json as { token?: string } | undefined)?.token ?? null;
  }

  async tokenOrThrow(user: KitUser): Promise<string> {
    const token = await this.token(user);
    if (!token) throw new Error(`no token for ${user.email}`);
    return token;
  }

  async signOut(user: KitUser): Promise<HttpAnswer> {
    return this.post("/api/auth/sign-out", {}, user.cookie);
  }

  /** A signed-in call to an auth endpoint (`/revoke-session`, `/change-password`, ...); the user's cookies follow its answer. */
  async call(user: KitUser, path: string, body: unknown): Promise<HttpAnswer> {
    const answer = await this.post(`/api/auth${path}`, body, user.cookie);
    user.cookie = cookiesAfter(user.cookie, answer);
    return answer;
  }

  async jwks(): Promise<{ keys: Record<string, unknown>[] }> {
    const answer = await send(`${this.authUrl}/api/auth/jwks`);
    if (answer.status !== 200) throw new Error(`JWKS answered ${answer.status}`);
    return answer.json as { keys: Record<string, unknown>[] };
  }
}

function sessionCookies(headers: Headers): string {
  return headers
    .getSetCookie()
    .map((line) => line.split(";")[0])
    .join("; ");
}
