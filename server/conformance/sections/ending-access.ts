// Section 3: ending access. After each way a session or an account ends (CONTRACT.md section 3; the auth
// service's endpoints), the earlier tokens are refused within 1 s, measured from the action's answer and
// printed, while the sessions and users that did not end keep working.
import { decodePart } from "../forged-tokens.ts";
import { bearer } from "../dialect.ts";
import { excerpt, type HttpAnswer, sleep } from "../http.ts";
import { expectInvalidToken, type Kit } from "../kit.ts";
import { fail } from "../report.ts";
import type { KitUser } from "../auth-client.ts";

const BOUND_MS = 1_000;
/** How long the kit keeps asking before it calls a revocation ignored. */
const GIVE_UP_MS = 5_000;
/** Often within the bound, to measure it; rarely after, so a server that ignores revocations is not also
 * pushed over its per-user request budget (which would fail later checks for the wrong reason). */
const POLL_MS = 20;
const POLL_AFTER_BOUND_MS = 250;

export async function endingAccessSection(kit: Kit): Promise<void> {
  const { report, instances, auth } = kit;
  report.section("ending access");
  const [ann, bob, carol] = await Promise.all([kit.user(0), kit.user(1), kit.user(2)]);
  const token = (user: KitUser) => auth.tokenOrThrow(user);
  const bobToken = await token(bob);

  /**
   * Runs `action`; every token of `ended` must be refused by every instance within the bound, every token
   * of `kept` still accepted by every instance.
   */
  async function endsAccess(name: string, ended: string[], kept: string[], action: () => Promise<HttpAnswer>): Promise<void> {
    const where = instances.length > 1 ? ` at all ${instances.length} instances` : "";
    await report.check(`${name}: the earlier tokens are refused within 1 s${where}, the others still work`, async () => {
      for (const instance of instances) {
        for (const earlier of [...ended, ...kept]) {
          const before = await instance.whoAmI(bearer(earlier));
          if (before.outcome !== "data") fail(`a token was not accepted before: ${before.status} ${excerpt(before.text)}`);
        }
      }
      const answer = await action();
      if (answer.status !== 200) fail(`the auth service answered ${answer.status}: ${excerpt(answer.text)}`);
      const start = performance.now();
      // Each instance polled on its own, at once: the time printed is when the slowest refused.
      const times = await Promise.all(
        instances.flatMap((instance) =>
          ended.map(async (earlier) => {
            for (;;) {
              const after = await instance.whoAmI(bearer(earlier));
              const elapsed = Math.round(performance.now() - start);
              if (after.outcome !== "data") {
                expectInvalidToken(after);
                return elapsed;
              }
              if (elapsed > GIVE_UP_MS) fail(`a token was still accepted ${elapsed} ms after the answer`);
              await sleep(elapsed > BOUND_MS ? POLL_AFTER_BOUND_MS : POLL_MS);
            }
          }),
        ),
      );
      const slowest = Math.max(...times);
      if (slowest > BOUND_MS) fail(`refused after ${times.join(", ")} ms, over the ${BOUND_MS} ms bound`);
      for (const instance of instances) {
        for (const other of kept) {
          const after = await instance.whoAmI(bearer(other));
          if (after.outcome !== "data") fail(`a token that should still work answered ${after.status} ${excerpt(after.text)}`);
        }
      }
      return `refused after ${times.join(", ")} ms; ${kept.length} other token(s) still accepted`;
    });
  }

  const annToken = await token(ann);
  const laptop = await auth.signIn(ann);
  await endsAccess("sign-out", [await token(laptop)], [annToken, bobToken], () => auth.signOut(laptop));

  const phone = await auth.signIn(ann);
  const phoneToken = await token(phone);
  await endsAccess("ending another session", [phoneToken], [annToken, bobToken], () =>
    auth.call(ann, "/revoke-session", { token: String(decodePart(phoneToken, 1).sid) }),
  );

  const tablet = await auth.signIn(ann);
  await endsAccess("signing out everywhere else", [await token(tablet)], [annToken, bobToken], () =>
    auth.call(ann, "/revoke-other-sessions", {}),
  );

  const carolLaptop = await auth.signIn(carol);
  await endsAccess("signing out everywhere", [await token(carol), await token(carolLaptop)], [annToken, bobToken], () =>
    auth.call(carol, "/revoke-sessions", {}),
  );

  const desk = await auth.signIn(ann);
  const newPassword = `Kit-changed-${Date.now()}-password`;
  // The session that changes the password is replaced by a new one, so its earlier token ends too.
  await endsAccess("a password change signing other devices out", [await token(desk), annToken], [bobToken], async () => {
    const answer = await auth.call(ann, "/change-password", { currentPassword: ann.password, newPassword, revokeOtherSessions: true });
    if (answer.status === 200) ann.password = newPassword;
    return answer;
  });

  await endsAccess("deleting the account", [await token(ann)], [bobToken], () =>
    auth.call(ann, "/delete-user", { password: ann.password }),
  );
}
