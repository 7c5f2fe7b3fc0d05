import { useState } from "react";
import { callAuth } from "./auth-errors.ts";
import { useSession } from "./session.tsx";
import { verificationLanding } from "../routing/verification-landing.ts";
import { FormProblem } from "../ui/text-field.tsx";

/**
 * "Send the link again": another verification mail to `email` (the auth service limits how often, and
 * answers the same whether or not the address has an unverified account).
 */
export function ResendVerification({ email, next }: { email: string; next: string | null }) {
  const { authClient } = useSession();
  const [state, setState] = useState<"idle" | "sending" | "sent">("idle");
  const [error, setError] = useState<string | null>(null);

  async function resend() {
    if (!email.trim()) {
      setError("Enter your email address above first.");
      return;
    }
    setState("sending");
    setError(null);
    const { problem } = await callAuth(() => authClient.sendVerificationEmail({ email, callbackURL: verificationLanding(next) }));
    setState(problem ? "idle" : "sent");
    setError(problem);
  }

  return (
    <div className="resend">
      <button type="button" className="button secondary" onClick={resend} disabled={state === "sending"}>
        {state === "sending" ? "Sending…" : "Send the link again"}
      </button>
      {state === "sent" ? <p role="status">Sent. The newest link works; check your spam folder too.</p> : null}
      <FormProblem message={error} />
    </div>
  );
}
