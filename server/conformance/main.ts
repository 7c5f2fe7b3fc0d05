// The conformance kit: a black-box check of a resource server against server/CONTRACT.md, through HTTP alone.
// It imports nothing of the server's code (a dependency-cruiser rule keeps it so).
import { sharedSecretSigner } from "./forged-tokens.ts";
import { Kit } from "./kit.ts";
import { parseOptions, USAGE, UsageError } from "./options.ts";
import { Report } from "./report.ts";
import { dpopSection } from "./sections/dpop.ts";
import { endingAccessSection } from "./sections/ending-access.ts";
import { isolationSection } from "./sections/isolation.ts";
import { tokensSection } from "./sections/tokens.ts";
import { serveTrustedKeySet, type TrustedKeySet } from "./trusted-key-set.ts";

const sections: Record<string, (kit: Kit) => Promise<void>> = {
  tokens: tokensSection,
  isolation: isolationSection,
  dpop: dpopSection,
  "ending-access": endingAccessSection,
};

let options: ReturnType<typeof parseOptions>;
try {
  options = parseOptions(process.argv.slice(2).filter((argument) => argument !== "--"));
} catch (error) {
  console.error(error instanceof UsageError || error instanceof TypeError ? error.message : error);
  console.error(USAGE);
  process.exit(2);
}
if (options === "help") {
  console.log(USAGE);
  process.exit(0);
}

const report = new Report();
const kit = new Kit(options, report);
console.log(`conformance: ${options.dialect} API ${options.apiUrls.join(" + ")}, auth ${options.authUrl}, seed ${options.seed}`);
let keySet: TrustedKeySet | undefined;
if (options.serveKeysPort !== undefined) {
  keySet = await serveTrustedKeySet(kit.auth, options.serveKeysPort);
  kit.trustedSigner = keySet.signer;
  console.log(`serving the auth service's keys plus the kit's at ${keySet.url} (the server under test must use it as its key set)`);
} else if (options.sharedSecret !== undefined) {
  kit.trustedSigner = sharedSecretSigner(options.sharedSecret);
}
for (const name of options.sections) {
  const run = sections[name];
  if (!run) continue;
  // A section that cannot even start (no users, no token) is one failed check, and the others still run.
  try {
    await run(kit);
  } catch (error) {
    await report.check(`${name}: the section could run`, async () => {
      throw error;
    });
  }
}
if (keySet) {
  console.log(`\nthe server under test fetched the kit's key set ${keySet.requests()} time(s)`);
  await keySet.close();
}
console.log(`\n${report.summary()}`);
process.exit(report.failed > 0 ? 1 : 0);
