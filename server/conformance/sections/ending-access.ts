// Section 3: ending access. After a sign-out the session's earlier token is refused within 1 s (measured from
// the sign-out's answer, printed), while the same user's other session and other users keep working.
import { bearer } from "../dialect.ts";
import { excerpt, sleep } from "../http.ts";
import { expectInvalidToken, type Kit } from "../kit.ts";
import { fail } from "../report.ts";

const BOUND_MS = 1_000;
/** How long the kit keeps asking before it calls a revocation ignored. */
const GIVE_UP_MS = 5_000;
const POLL_MS = 20;

export async function endingAccessSection(kit: Kit): Promise<void> {
  const { report, dialect, auth } = kit;
  report.section("ending access");
  const [ann, bob] = await Promise.all([kit.user(0), kit.user(1)]);
  const laptop = await auth.signIn(ann);
  const laptopToken = await auth.tokenOrThrow(laptop);
  const annOtherToken = await auth.tokenOrThrow(ann);
  const bobToken = await auth.tokenOrThrow(bob);

  await report.check("sign-out: the session's earlier token is refused within 1 s", async () => {
    const before = await dialect.whoAmI(bearer(laptopToken));
    if (before.outcome !== "data") fail(`the token was not accepted before sign-out: ${before.status} ${excerpt(before.text)}`);
    const signedOut = await auth.signOut(laptop);
    if (signedOut.status !== 200) fail(`sign-out answered ${signedOut.status}: ${excerpt(signedOut.text)}`);
    const start = performance.now();
    for (;;) {
      const answer = await dialect.whoAmI(bearer(laptopToken));
      const elapsed = Math.round(performance.now() - start);
      if (answer.outcome !== "data") {
        expectInvalidToken(answer);
        if (elapsed > BOUND_MS) fail(`refused after ${elapsed} ms, over the ${BOUND_MS} ms bound`);
        return `refused after ${elapsed} ms`;
      }
      if (elapsed > GIVE_UP_MS) fail(`still accepted ${elapsed} ms after sign-out`);
      await sleep(POLL_MS);
    }
  });
  await report.check("sign-out left the user's other session working", async () => {
    const answer = await dialect.whoAmI(bearer(annOtherToken));
    if (answer.outcome !== "data") fail(`the other session's token answered ${answer.status} ${excerpt(answer.text)}`);
  });
  await report.check("sign-out left other users working", async () => {
    const answer = await dialect.whoAmI(bearer(bobToken));
    if (answer.outcome !== "data") fail(`another user's token answered ${answer.status} ${excerpt(answer.text)}`);
  });
}
