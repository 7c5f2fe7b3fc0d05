// GraphQL operations the API refused for want of a recent second factor (auth/step-up.ts recognises the refusal):
// the answer is held back while the person is asked for a code, then the operation is sent once more, with the
// token the step-up fetched (the client's fetch adds it as the retry is sent). Cancelled, the refusal goes on to the screen
// (graphql/problems.ts words it). A retried operation's second refusal is never held again: one dialog, one retry.
import { type Exchange, makeOperation, type Operation } from "@urql/core";
import { empty, fromPromise, fromValue, merge, mergeMap, makeSubject, onPush, pipe } from "wonka";
import { type StepUp, stepUpChallengeInGraphQL } from "../auth/step-up.ts";

declare module "@urql/core" {
  interface OperationContext {
    /** This operation is the one retry after a step-up. */
    stepUpRetry?: boolean;
  }
}

export function stepUpExchange(stepUp: Pick<StepUp, "request">): Exchange {
  return ({ forward }) =>
    (operations$) => {
      const retries = makeSubject<Operation>();
      // Each operation as it came from above, without what the exchanges below add (the auth attempt mark): the
      // retry starts from it. A torn-down operation is forgotten, so an answer it no longer wants is not retried.
      const live = new Map<number, Operation>();
      const tracked = pipe(
        operations$,
        onPush((operation) => {
          if (operation.kind === "teardown") live.delete(operation.key);
          else if (!operation.context.stepUpRetry) live.set(operation.key, operation);
        }),
      );
      return pipe(
        forward(merge([tracked, retries.source])),
        mergeMap((result) => {
          const challenge = result.operation.context.stepUpRetry ? null : stepUpChallengeInGraphQL(result.error);
          if (!challenge) return fromValue(result);
          return pipe(
            fromPromise(stepUp.request(challenge)),
            mergeMap((verified) => {
              const original = live.get(result.operation.key);
              if (!original) return empty; // no one is waiting for this answer any more
              if (!verified) return fromValue(result);
              retries.next(makeOperation(original.kind, original, { ...original.context, stepUpRetry: true }));
              return empty;
            }),
          );
        }),
      );
    };
}
