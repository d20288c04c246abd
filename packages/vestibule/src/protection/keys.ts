// What the counters are keyed by: the identifier as Kratos compares it, and the client's network
// (the same bucket the gateway's rate limits count in: one definition, in rate-limit/).
import { addressBucket, clientAddress } from '../rate-limit/index.ts';

/**
 * Trimmed, NFKC, lower-cased: Kratos trims and lower-cases identifiers before comparing them, so
 * `Alice@Example.com ` and `alice@example.com` are one account and must be one counter. NFKC goes
 * further (full-width letters fold to ASCII): merging more spellings only makes evasion harder.
 */
export function normaliseIdentifier(identifier: string): string {
  return identifier.trim().normalize('NFKC').toLowerCase();
}

/** One key per client network: IPv4 as is (IPv4-mapped unwrapped), IPv6 by its /64. */
export const addressKey: (address: string | undefined) => string = addressBucket;

/** The client's address: the socket peer, or the right-most X-Forwarded-For entry when trusted. */
export function clientAddressOf(
  headers: Headers,
  peer: string | undefined,
  trustProxy: boolean,
): string | undefined {
  return clientAddress(peer, headers.get('x-forwarded-for'), trustProxy);
}

/** Second-factor guesses (TOTP, lookup secrets), keyed `identity:`, `identifier:`, `session:`, `flow:`. */
export const SECOND_FACTOR_SCOPE = 'login:second-factor';

/** The second-factor key of guesses that follow a first factor with this (normalised) identifier. */
export function identifierSubject(normalisedIdentifier: string): string {
  return `identifier:${normalisedIdentifier}`;
}
