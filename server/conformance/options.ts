// The kit's command line. It knows the services only by their URLs and the contract (server/CONTRACT.md).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

export type DialectName = "graphql" | "rest";

export interface KitOptions {
  authUrl: string;
  /** The resource server; several URLs are instances of one server, asked in turn (each must keep the contract). */
  apiUrls: string[];
  dialect: DialectName;
  /** Where the auth service's development mail lands: a folder of .eml files, or the /dev/mail page's URL. */
  mail: string;
  /** The Origin the kit's auth requests carry (Better Auth checks it): a trusted origin of the auth service. */
  origin: string;
  seed: number;
  /** fast-check runs of the random isolation sequences. */
  runs: number;
  /** HS256 shared secret of a server in shared-secret mode: lets the kit sign tokens whose claims are wrong. */
  sharedSecret: string | undefined;
  /** Serve a key set (the auth service's keys plus the kit's) on 127.0.0.1:<port>/jwks for the server under test. */
  serveKeysPort: number | undefined;
  /** Only these sections (default: all). */
  sections: string[];
}

/** In the order they run: ending-access last, since it deletes the kit's first user. */
export const SECTION_NAMES = ["tokens", "isolation", "dpop", "ending-access"] as const;

export const USAGE = `Usage: pnpm conformance --auth <url> --api <url> --dialect graphql|rest [options]

  --auth <url>            the auth service (e.g. http://localhost:4001)
  --api <url>             the resource server under test (GraphQL: its origin, POST /graphql; REST: its base URL);
                          give it again for each further instance of the same server: requests go to each
                          in turn, and an ended session's tokens must be refused by every one
  --dialect <name>        graphql or rest: how to ask the resource server (conformance/dialects/)
  --mail <dir or url>     where development mail is caught: a folder of .eml files or the /dev/mail page
                          (default: the repository's .data/mail)
  --origin <url>          Origin header of the kit's auth requests (default: the auth URL's origin)
  --seed <n>              seed of the random sequences (default: random, printed)
  --runs <n>              random isolation sequences to run (default 20, up to 20 steps each)
  --shared-secret <s>     the server runs in shared-secret mode (HS256): the kit signs forged claims with it
  --serve-keys <port>     serve the auth service's keys plus one of the kit's at http://127.0.0.1:<port>/jwks;
                          start the server under test with that as its key-set URL, and the kit signs
                          forged claims with its key (a test setting: never point a real server at it)
  --sections <list>       comma-separated subset of: ${SECTION_NAMES.join(", ")}
  --help                  this text`;

export class UsageError extends Error {}

const defaultMailDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", ".data", "mail");

export function parseOptions(argv: string[]): KitOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      auth: { type: "string" },
      api: { type: "string", multiple: true },
      dialect: { type: "string" },
      mail: { type: "string" },
      origin: { type: "string" },
      seed: { type: "string" },
      runs: { type: "string" },
      "shared-secret": { type: "string" },
      "serve-keys": { type: "string" },
      sections: { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) return "help";
  const problems: string[] = [];
  const url = (name: string, value: string | undefined): string => {
    if (!value) {
      problems.push(`--${name} is required`);
      return "";
    }
    try {
      return new URL(value).toString().replace(/\/$/, "");
    } catch {
      problems.push(`--${name} is not a URL: ${value}`);
      return "";
    }
  };
  const authUrl = url("auth", values.auth);
  const apiUrls = values.api && values.api.length > 0 ? values.api.map((value) => url("api", value)) : [url("api", undefined)];
  const dialect = values.dialect;
  if (dialect !== "graphql" && dialect !== "rest") problems.push("--dialect must be graphql or rest");
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  if (!Number.isInteger(seed)) problems.push(`--seed must be an integer: ${values.seed}`);
  const runs = values.runs === undefined ? 20 : Number(values.runs);
  if (!(Number.isInteger(runs) && runs > 0)) problems.push(`--runs must be a positive integer: ${values.runs}`);
  const sections = values.sections ? values.sections.split(",").map((name) => name.trim()) : [...SECTION_NAMES];
  for (const name of sections) {
    if (!(SECTION_NAMES as readonly string[]).includes(name)) problems.push(`unknown section: ${name}`);
  }
  const serveKeysPort = values["serve-keys"] === undefined ? undefined : Number(values["serve-keys"]);
  if (serveKeysPort !== undefined && !(Number.isInteger(serveKeysPort) && serveKeysPort > 0 && serveKeysPort < 65536))
    problems.push(`--serve-keys must be a port: ${values["serve-keys"]}`);
  if (serveKeysPort !== undefined && values["shared-secret"] !== undefined)
    problems.push("--serve-keys and --shared-secret exclude each other");
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return {
    authUrl,
    apiUrls,
    dialect: dialect as DialectName,
    mail: values.mail ?? defaultMailDir,
    origin: values.origin ?? new URL(authUrl).origin,
    seed,
    runs,
    sharedSecret: values["shared-secret"],
    serveKeysPort,
    sections,
  };
}
