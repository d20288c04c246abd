// Who an anonymous caller is, for counting: the address that reached us (or, behind a load balancer
// we trust, the address it saw), with IPv6 counted per /64 — one subscriber's whole prefix — since
// any host can pick a fresh address inside its /64 for every request. The one definition for the
// gateway's rate limits and the login protection's address counters.
import ipaddr from 'ipaddr.js';

/**
 * The client's address: the socket peer, or behind a trusted load balancer the entry it appended to
 * X-Forwarded-For (the right-most; entries to its left are whatever the client wrote). An entry
 * that is not an address is ignored: the peer counts instead.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | null | undefined,
  trustProxy: boolean,
): string | undefined {
  if (!trustProxy) return socketAddress;
  const last = forwardedFor?.split(',').at(-1)?.trim();
  return last && parseAddress(last) ? last : socketAddress;
}

/** The bucket the client's address counts in (see addressBucket). */
export function countedAddress(
  socketAddress: string | undefined,
  forwardedFor: string | null | undefined,
  trustProxy: boolean,
): string {
  return addressBucket(clientAddress(socketAddress, forwardedFor, trustProxy));
}

/**
 * IPv4 as is (also when IPv4-mapped), IPv6 as its /64 prefix (zone and brackets dropped);
 * `unknown` for anything that is not an address.
 */
export function addressBucket(address: string | undefined): string {
  const parsed = address ? parseAddress(address) : undefined;
  if (!parsed) return 'unknown';
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const prefix = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${prefix.map((p) => p.toString(16)).join(':')}::/64`;
}

function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // process() unwraps IPv4-mapped IPv6 (::ffff:192.0.2.7), as a dual-stack socket reports IPv4.
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : undefined;
}
