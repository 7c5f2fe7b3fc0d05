// Token verification as a span of its own (`token.verify`), when tracing is on: how it ended and, for a
// refusal, the class of reason (token-rejection.ts, the one metrics count by), never the token, a claim's value or the
// reason's text. Off, @opentelemetry/api hands out a no-op tracer and no context manager is involved.
import { type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import { KeysUnavailableError } from "./key-set.ts";
import { RevocationsUnavailableError } from "./revocation-feed.ts";
import { rejectionReasonOf } from "./token-rejection.ts";

const tracer = trace.getTracer("tasks-token-verification");

/** Runs `verify` inside the `token.verify` span; `verify` may mark the span when its answer came from the cache. */
export function inVerificationSpan<T>(verify: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan("token.verify", async (span) => {
    try {
      const result = await verify(span);
      span.setAttribute("token.verification.result", "valid");
      return result;
    } catch (error) {
      const unavailable = error instanceof KeysUnavailableError || error instanceof RevocationsUnavailableError;
      span.setAttribute("token.verification.result", unavailable ? "unavailable" : "invalid");
      span.setAttribute("token.verification.reason", rejectionReasonOf(error));
      // No message: a refusal's text may quote a claim.
      if (unavailable) span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}
