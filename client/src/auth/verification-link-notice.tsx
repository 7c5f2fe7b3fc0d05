// What the sign-in page says when a verification link landed on it without signing in: the address verified
// by this link (`verified=1`, from a browser that did not sign up), the link used before (`verified=earlier`),
// or the link refused (Better Auth's `error=`: TOKEN_EXPIRED, or INVALID_TOKEN / USER_NOT_FOUND for one that
// was cut short, forged or whose account is gone). server/src/auth/sign-up-browser.ts sends the first two.
import type { ReactNode } from "react";

/** A link that failed: the sign-in page offers a new one. */
export function verificationLinkFailed(params: URLSearchParams): boolean {
  return params.has("error");
}

export function VerificationLinkNotice({ params }: { params: URLSearchParams }) {
  const error = params.get("error");
  if (error === "TOKEN_EXPIRED") {
    return (
      <LinkProblem message="This link has expired.">
        Links to verify an address work for 24 hours. Enter your email address below to get a new one.
      </LinkProblem>
    );
  }
  if (error !== null) {
    return (
      <LinkProblem message="This link does not work.">
        It may have been cut short when it was copied, or its account no longer exists. Enter your email address below to get a new one, or
        create an account.
      </LinkProblem>
    );
  }
  const verified = params.get("verified");
  if (verified === "earlier") {
    return (
      <div className="notice" role="status">
        <p className="notice-message">This link was already used.</p>
        <p>Your email address is verified. Sign in to continue.</p>
      </div>
    );
  }
  if (verified) {
    return (
      <div className="notice" role="status">
        <p className="notice-message">Your email address is verified.</p>
        <p>Sign in to continue. A link from the mail signs in only the browser that created the account.</p>
      </div>
    );
  }
  return null;
}

function LinkProblem({ message, children }: { message: string; children: ReactNode }) {
  return (
    <div className="notice">
      <p className="notice-message" role="alert">
        {message}
      </p>
      <p>{children}</p>
    </div>
  );
}
