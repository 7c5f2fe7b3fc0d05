// The services' clock, as this browser can know it. A DPoP proof carries its time (iat), and the services take
// it only within 60 s of their own clock (RFC 9449 section 11.1); a computer whose clock is a few minutes off
// would have every proof refused. So every answer from the services (their Date header) tells the app how far
// this clock is from theirs, and proofs are dated on the services' clock. Date has a resolution of a second
// and the answer's travel blurs it further: a difference under 30 s is taken as none (the services allow 60 s).
const NEGLIGIBLE_MS = 30_000;

let offsetMs = 0;

/** Learns the services' time from an answer's Date header (an answer without one teaches nothing). */
export function noteServerTime(response: Response): void {
  const serverTime = Date.parse(response.headers.get("date") ?? "");
  if (Number.isNaN(serverTime)) return;
  // Date is truncated to the second: the services' time was, on average, half a second past it.
  const offset = serverTime + 500 - Date.now();
  offsetMs = Math.abs(offset) > NEGLIGIBLE_MS ? offset : 0;
}

/** Epoch ms on the services' clock, as far as their last answer told. */
export function serverNow(): number {
  return Date.now() + offsetMs;
}
