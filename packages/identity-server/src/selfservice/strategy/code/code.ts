// One-time codes for recovery and verification (Kratos's `code` method): 6 digits from a CSPRNG,
// stored only as an HMAC keyed by the server secret (Kratos hashes codes with `secrets.default`
// too), compared in constant time so response timing leaks nothing about the stored value.
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

export const CODE_LENGTH = 6;

/** A uniformly random 6-digit code, zero-padded ("004219" is as likely as "931020"). */
export function generateCode(): string {
  return String(randomInt(0, 10 ** CODE_LENGTH)).padStart(CODE_LENGTH, '0');
}

/** HMAC-SHA256 of the code, hex. The secret is required: an unkeyed hash of 10^6 values is a lookup table. */
export function hashCode(code: string, secret: string): string {
  if (!secret) throw new TypeError('hashCode: a non-empty secret is required');
  return createHmac('sha256', secret).update(code, 'utf8').digest('hex');
}

/** Constant-time check of a submitted code against a stored hash. Malformed input is simply false. */
export function codeMatches(submitted: unknown, storedHash: string, secret: string): boolean {
  if (typeof submitted !== 'string') return false;
  const normalized = submitted.trim();
  // Hash even when the shape is wrong, so a malformed code costs the same time as a wrong one.
  return hashMatches(normalized, storedHash, secret) && /^\d{6}$/.test(normalized);
}

/** Constant-time comparison of HMAC(value) with a stored hex hash (codes and link tokens). */
export function hashMatches(value: string, storedHash: string, secret: string): boolean {
  const candidate = Buffer.from(hashCode(value, secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return candidate.length === stored.length && timingSafeEqual(candidate, stored);
}

/** The secret codes are keyed with: Kratos falls back from `secrets.default` to the cookie secrets. */
export function codeSecret(secrets: { default: string[]; cookie: string[] }): string {
  const secret = secrets.default[0] ?? secrets.cookie[0];
  if (!secret) throw new Error('config: secrets.default: at least one secret is required');
  return secret;
}
