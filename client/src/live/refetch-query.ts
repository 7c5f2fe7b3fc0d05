// One refetch of a query a screen shows, for a change it was told about: a request sent now, and the wait for
// that request's own answer. urql gives every answer for the query to every asker, oldest first; taking any of
// them as ours and asking again when it was not made a loop that sent one request per answer, for as long as two
// were in flight (graphql/network-receipts.ts tells the answers apart). The screen gets every answer through its
// own useQuery; this only decides when the refetch is over.
import type { AnyVariables, Client, OperationContext, OperationResult, TypedDocumentNode } from "@urql/core";
import { newNetworkReceipt, receiptOf } from "../graphql/network-receipts.ts";

/** A request urql dropped (another for the query was still waiting) is asked again, at most this many times in all. */
const MAX_ASKS = 3;

export type RefetchOutcome = "answered" | "failed" | "stopped";

export async function refetchQuery<Data, Variables extends AnyVariables>(
  client: Client,
  query: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  context: Partial<OperationContext>,
  signal: AbortSignal,
): Promise<RefetchOutcome> {
  for (let asks = 1; ; asks += 1) {
    const outcome = await askOnce(client, query, variables, context, signal);
    // Dropped: the answer that came was asked for before the change, so ask again (it goes out now).
    if (outcome !== "not sent") return outcome;
    if (asks === MAX_ASKS) return "answered"; // what is shown is as fresh as the screen's own requests made it
  }
}

/** Resolves with the outcome of this request's own answer, or "not sent" when another answer came and it never went out. */
function askOnce<Data, Variables extends AnyVariables>(
  client: Client,
  query: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  context: Partial<OperationContext>,
  signal: AbortSignal,
): Promise<RefetchOutcome | "not sent"> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve("stopped");
    const receipt = newNetworkReceipt();
    let settled = false;
    let subscription: { unsubscribe(): void } | undefined;
    const settle = (outcome: RefetchOutcome | "not sent") => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", stop);
      subscription?.unsubscribe();
      resolve(outcome);
    };
    const stop = () => settle("stopped");
    signal.addEventListener("abort", stop);
    subscription = client
      .query(query, variables, { ...context, requestPolicy: "network-only", networkReceipt: receipt })
      .subscribe((result: OperationResult<Data, Variables>) => {
        if (result.stale) return; // urql's "a newer request is on its way" copy of the previous answer
        if (receiptOf(result.operation.context) === receipt) settle(result.error ? "failed" : "answered");
        else if (receipt.answered === receipt.sent) settle("not sent"); // ours is not on the network: it will not come
      });
    if (settled) subscription.unsubscribe();
  });
}
