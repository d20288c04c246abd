// What the counters are keyed by: the identifier as Kratos compares it, and the client's network.
import ipaddr from 'ipaddr.js';

/**
 * Trimmed, NFKC, lower-cased: Kratos trims and lower-cases identifiers before comparing them, so
 * `Alice@Example.com ` and `alice@example.com` are one account and must be one counter. NFKC goes
 * further (full-width letters fold to ASCII): merging more spellings only makes evasion harder.
 */
export function normaliseIdentifier(identifier: string): string {
  return identifier.trim().normalize('NFKC').toLowerCase();
}

/**
 * One key per client network: an IPv4 address as is (IPv4-mapped IPv6 unwrapped), an IPv6 address
 * by its /64 — one subscriber usually holds a whole /64 and could rotate through it at will.
 */
export function addressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return 'unknown';
  const parsed = ipaddr.process(bare);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`;
}

/**
 * The client's address: the socket peer, or behind a trusted load balancer the entry it appended
 * to X-Forwarded-For (the rightmost; entries to its left are whatever the client claimed).
 */
export function clientAddressOf(
  headers: Headers,
  peer: string | undefined,
  trustProxy: boolean,
): string | undefined {
  if (!trustProxy) return peer;
  const chain = headers.get('x-forwarded-for');
  const last = chain?.split(',').pop()?.trim();
  return last && ipaddr.isValid(last.replace(/^\[|\]$/g, '')) ? last : peer;
}
