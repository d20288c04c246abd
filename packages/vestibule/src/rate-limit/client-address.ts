// Who an anonymous caller is, for counting: the address that reached us (or, behind a load balancer
// we trust, the address it saw), with IPv6 counted per /64 — one subscriber's whole prefix — since
// any host can pick a fresh address inside its /64 for every request.
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The address to count. With `trustProxy`, the right-most X-Forwarded-For entry: the one our own
 * load balancer appended (entries to its left are whatever the client wrote).
 */
export function countedAddress(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  trustProxy: boolean,
): string {
  const forwarded = trustProxy ? forwardedFor?.split(',').at(-1)?.trim() : undefined;
  return addressBucket(forwarded || socketAddress || 'unknown');
}

/** IPv4 as is (also when IPv4-mapped), IPv6 as its /64 prefix; anything else verbatim. */
export function addressBucket(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]!.split('::') as [string, string?];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::1.2.3.4) takes two groups.
  const last = right.at(-1) ?? left.at(-1);
  const v4 = last && isIPv4(last) ? 1 : 0;
  const missing = tail === undefined ? 0 : 8 - left.length - right.length - v4;
  const groups = [...left, ...Array<string>(missing).fill('0'), ...right];
  return groups.map((g) => (isIPv4(g) ? g : (parseInt(g, 16) || 0).toString(16)));
}
