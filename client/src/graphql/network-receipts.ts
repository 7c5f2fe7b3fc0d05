// urql's client hands every answer for a query (with its variables) to everyone asking for it, and may send fewer
// requests than were asked for: the client drops a query while another for the same key awaits its first answer,
// and the auth exchange keeps one per key while it renews the token. So a caller cannot tell its own answer from
// an earlier request's, nor whether its request went out at all. One that must know puts a NetworkReceipt in the
// operation's context (`networkReceipt`): this exchange, just above fetch, counts it sent and its answers back.
import { mapExchange, type OperationContext } from "@urql/core";

export interface NetworkReceipt {
  /** Requests that went to the network with this receipt (an auth retry is a second one). */
  sent: number;
  /** Their answers (a 401 the auth exchange retries counts too). */
  answered: number;
}

export const newNetworkReceipt = (): NetworkReceipt => ({ sent: 0, answered: 0 });

export function receiptOf(context: OperationContext): NetworkReceipt | undefined {
  return context.networkReceipt as NetworkReceipt | undefined;
}

export const networkReceiptExchange = mapExchange({
  onOperation(operation) {
    const receipt = receiptOf(operation.context);
    if (receipt) receipt.sent += 1;
  },
  onResult(result) {
    const receipt = receiptOf(result.operation.context);
    if (receipt) receipt.answered += 1;
  },
});
