// The client's address, decided once per request by our HTTP server (http-server.ts) and nowhere else.
// Without trusted proxies it is the connection's peer and X-Forwarded-For is ignored, so no client can
// pick its own address. With TRUSTED_PROXIES the forwarded chain is read right to left from the peer,
// skipping trusted hops, and the first untrusted address is the client (proxy-addr, the module Express
// uses for `trust proxy`): a client that sends its own X-Forwarded-For only adds entries to the left of
// the one our proxy appended, which is the one taken.
import type { IncomingMessage } from "node:http";
import ipaddr from "ipaddr.js";
import proxyaddr from "proxy-addr";

/**
 * The request header that carries the client's address, set by our HTTP server (http-server.ts) on every
 * request: any value a client sent is overwritten. The peer's address, or behind TRUSTED_PROXIES the first
 * untrusted forwarded hop.
 */
export const CLIENT_IP_HEADER = "x-client-ip";

export type ProxyTrust = (address: string, hop: number) => boolean;

const TRUST_NONE: ProxyTrust = () => false;

/** IPs and CIDR ranges, as TRUSTED_PROXIES lists them; throws on an entry that is neither. */
export function compileProxyTrust(entries: readonly string[]): ProxyTrust {
  return entries.length === 0 ? TRUST_NONE : proxyaddr.compile([...entries]);
}

/** The entry of a proxy list that is not an IP address or CIDR range, if any. */
export function invalidProxyEntry(entries: readonly string[]): string | undefined {
  return entries.find((entry) => !(ipaddr.isValid(entry) || isValidCidr(entry)));
}

function isValidCidr(entry: string): boolean {
  try {
    ipaddr.parseCIDR(entry);
    return true;
  } catch {
    return false;
  }
}

/** The client's address for this request: the peer, or the first untrusted hop behind trusted proxies. */
export function clientAddressOf(request: IncomingMessage, trust: ProxyTrust): string {
  if (!request.socket.remoteAddress) return "unknown";
  return plainAddress(trust === TRUST_NONE ? request.socket.remoteAddress : proxyaddr(request, trust));
}

/** IPv4 clients reached over an IPv6 socket (`::ffff:203.0.113.7`) are written as IPv4. */
function plainAddress(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) return (parsed as ipaddr.IPv6).toIPv4Address().toString();
  return parsed.toString();
}

/**
 * The key one client's budget is counted under: the address itself for IPv4, its /64 for IPv6, since
 * one IPv6 subscriber is usually handed a whole /64 and could otherwise rotate through it (Better Auth
 * counts IPv6 the same way, `advanced.ipAddress.ipv6Subnet`).
 */
export function rateLimitKeyOf(address: string): string {
  if (!address.includes(":") || !ipaddr.IPv6.isValid(address)) return address; // IPv4 (the common case, no parse)
  const parsed = ipaddr.IPv6.parse(address);
  if (parsed.isIPv4MappedAddress()) return parsed.toIPv4Address().toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/64`).toString()}/64`;
}
