// The claims of the link Better Auth mails to verify an address (`/verify-email?token=`): an HS256 token
// signed with BETTER_AUTH_SECRET. Read by the hooks around that endpoint (sign-up-browser.ts,
// email-change.ts) to know which kind of link it is; the endpoint itself checks it again.
import type { createAuthMiddleware } from "better-auth/api";
import { jwtVerify } from "jose";

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

export interface EmailLinkClaims {
  /** The address the link verifies, or for an email change, the account's current one. */
  email: string;
  /** Set only on an email change's link: the new address. */
  updateTo?: string;
  userId?: string;
  requestType?: string;
}

/** The verified claims of the request's `token`, or null when there is none or it does not verify. */
export async function emailLinkClaims(ctx: HookContext): Promise<EmailLinkClaims | null> {
  const token = (ctx.query as { token?: unknown } | undefined)?.token;
  if (typeof token !== "string") return null;
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(ctx.context.secret), { algorithms: ["HS256"] });
    if (typeof payload.email !== "string") return null;
    const text = (value: unknown) => (typeof value === "string" ? value : undefined);
    return { email: payload.email, updateTo: text(payload.updateTo), userId: text(payload.userId), requestType: text(payload.requestType) };
  } catch {
    return null;
  }
}
