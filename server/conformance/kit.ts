// What every section is given: the options, the dialect, the auth client, the report, and the kit's users
// (signed up once each and shared, since the auth service limits sign-ups per address).
import { AuthClient, type KitUser } from "./auth-client.ts";
import { type Answer, type Dialect, inTurn } from "./dialect.ts";
import { graphqlDialect } from "./dialects/graphql.ts";
import { restDialect } from "./dialects/rest.ts";
import { excerpt } from "./http.ts";
import type { KitOptions } from "./options.ts";
import type { TrustedSigner } from "./forged-tokens.ts";
import { fail, type Report } from "./report.ts";

export class Kit {
  /** One dialect per instance of the server under test (`--api` given more than once). */
  readonly instances: Dialect[];
  /** Asks the instances in turn: every section's requests spread over all of them. */
  readonly dialect: Dialect;
  readonly auth: AuthClient;
  private readonly users: Promise<KitUser>[] = [];

  /** What signs tokens the server trusts (--shared-secret, --serve-keys), if the kit has it. */
  trustedSigner: TrustedSigner | null = null;

  constructor(
    readonly options: KitOptions,
    readonly report: Report,
  ) {
    this.instances = options.apiUrls.map((url) => (options.dialect === "graphql" ? graphqlDialect(url) : restDialect(url)));
    this.dialect = inTurn(this.instances);
    this.auth = new AuthClient(options.authUrl, options.origin, options.mail);
  }

  /** The kit's n-th user (0, 1, 2...), signed up on first use. */
  user(index: number): Promise<KitUser> {
    for (let next = this.users.length; next <= index; next += 1) {
      const previous = this.users[next - 1];
      // One sign-up at a time: the auth service paces them per address.
      this.users.push(
        (previous ? previous.catch(() => undefined) : Promise.resolve()).then(() => this.auth.signUp(`Kit user ${next + 1}`)),
      );
    }
    return this.users[index] as Promise<KitUser>;
  }
}

/** The answer refuses the token as the contract says: 401, `Bearer error="invalid_token"`, no data. */
export function expectInvalidToken(answer: Answer<unknown>, secrets: string[] = []): string {
  if (answer.status !== 401) fail(`expected 401, got ${answer.status} ${answer.outcome}: ${excerpt(answer.text)}`);
  if (!answer.challenge || !/^Bearer\b/i.test(answer.challenge) || !/error="invalid_token"/.test(answer.challenge))
    fail(`expected WWW-Authenticate: Bearer error="invalid_token", got ${answer.challenge ?? "none"}`);
  expectNoData(answer, secrets);
  return `401 ${answer.code ?? ""}`.trim();
}

/** No data: the answer is no success, and names nothing of the user's (their id, their tasks' titles). */
export function expectNoData(answer: Answer<unknown>, secrets: string[]): void {
  if (answer.outcome === "data") fail(`answered with data: ${excerpt(answer.text)}`);
  for (const secret of secrets) if (secret && answer.text.includes(secret)) fail(`the answer carries "${secret}": ${excerpt(answer.text)}`);
}
