import { useState } from "react";
import { callAuth } from "./auth-errors.ts";
import { useSession } from "./session.tsx";
import { verificationLanding } from "../routing/verification-landing.ts";
import { FormProblem } from "../ui/text-field.tsx";
import { useAction } from "../ui/use-action.ts";

/**
 * "Send the link again": another verification mail to `email` (the auth service limits how often, and
 * answers the same whether or not the address has an unverified account).
 */
export function ResendVerification({ email, next }: { email: string; next: string | null }) {
  const { authClient } = useSession();
  const [sent, setSent] = useState(false);
  const { pending, problem, setProblem, run } = useAction();

  async function resend() {
    if (!email.trim()) {
      setProblem("Enter your email address above first.");
      return;
    }
    setSent(false);
    setSent(
      await run(
        async () => (await callAuth(() => authClient.sendVerificationEmail({ email, callbackURL: verificationLanding(next) }))).problem,
      ),
    );
  }

  return (
    <div className="resend">
      <button type="button" className="button secondary" onClick={resend} disabled={pending}>
        {pending ? "Sending…" : "Send the link again"}
      </button>
      {sent ? <p role="status">Sent. The newest link works; check your spam folder too.</p> : null}
      <FormProblem message={problem} />
    </div>
  );
}
