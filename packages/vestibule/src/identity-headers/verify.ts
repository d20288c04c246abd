// Header mode: the app trusts identity only when the edge's signature over it verifies.
// Rejected: unsigned identity headers, bad MACs, signatures for another method/path, timestamps
// outside [now - maxAge, now + skew], and (with replay protection) a nonce seen before.
import type { HeaderReader } from '../session/credential.ts';
import { createReplayCache, defaultMaxNonces } from './replay-cache.ts';
import {
  HEADER_SIGNATURE,
  HEADER_USER_EMAIL,
  HEADER_USER_ID,
  HEADER_USER_ROLE,
  assertSecret,
  decodeHeaderValue,
  parseSignatureHeader,
  signatureMatches,
  type IdentityValues,
  type SignedRequestTarget,
} from './sign.ts';

export type HeaderVerdict =
  | {
      state: 'user';
      identity: IdentityValues;
      /** Headers from access-rule templates that the signature covers (decoded), by lower-case name. */
      headers: ReadonlyMap<string, string>;
    }
  | { state: 'anonymous' }
  | { state: 'absent' }
  | { state: 'invalid'; reason: InvalidReason };

export type InvalidReason =
  | 'unsigned'
  | 'malformed'
  | 'bad-signature'
  | 'expired'
  | 'from-the-future'
  | 'replayed'
  /** As old as a nonce the full replay cache had to forget: it could be a replay. */
  | 'replay-window'
  | 'bad-encoding';

export interface HeaderVerifierOptions {
  /** The shared secret; several when rotating (the first is not special when verifying). */
  secret: string | readonly string[];
  /** How old a signature may be. Default 30 s: edge → app is one hop, not a queue. */
  maxAgeSeconds?: number;
  /** Tolerated clock difference when the edge clock is ahead. Default 5 s. */
  clockSkewSeconds?: number;
  /** Remember nonces for the validity window and refuse a second use. Default true. */
  replayProtection?: boolean;
  /**
   * Nonces remembered at most. Default: the whole window (maxAge + skew) at 25k signed requests/s,
   * about 10 MB when full; past it the oldest second is forgotten and refused (`replay-window`).
   */
  maxRememberedNonces?: number;
  now?: () => number;
}

export type HeaderVerifier = (headers: HeaderReader, target: SignedRequestTarget) => HeaderVerdict;

export function createHeaderVerifier(options: HeaderVerifierOptions): HeaderVerifier {
  const secrets = (Array.isArray(options.secret) ? options.secret : [options.secret]).map((s) =>
    assertSecret(s, 'headerSecret'),
  );
  if (secrets.length === 0) throw new TypeError('headerSecret must not be empty');
  // NaN would disable both the expiry check and replay protection (every comparison false): an
  // unset environment variable through Number() must be a startup error, not an open door.
  const maxAge = seconds(options.maxAgeSeconds ?? 30, 'maxAgeSeconds');
  const skew = seconds(options.clockSkewSeconds ?? 5, 'clockSkewSeconds');
  const now = options.now ?? Date.now;
  const maxNonces = options.maxRememberedNonces ?? defaultMaxNonces(maxAge, skew);
  if (!Number.isInteger(maxNonces) || maxNonces < 1) {
    throw new TypeError(`maxRememberedNonces must be a positive integer, got ${maxNonces}`);
  }
  const seen =
    options.replayProtection === false ? undefined : createReplayCache({ maxAge, maxNonces });

  return (headers, target) => {
    const raw = headers.get(HEADER_SIGNATURE);
    const values = {
      id: headers.get(HEADER_USER_ID) ?? '',
      email: headers.get(HEADER_USER_EMAIL) ?? '',
      role: headers.get(HEADER_USER_ROLE) ?? '',
    };
    if (raw === null) {
      return values.id || values.email || values.role
        ? { state: 'invalid', reason: 'unsigned' }
        : { state: 'absent' };
    }
    const parsed = parseSignatureHeader(raw);
    if (!parsed) return { state: 'invalid', reason: 'malformed' };
    const extra: string[] = [];
    for (const name of parsed.headers) extra.push(name, headers.get(name) ?? '');
    if (!signatureMatches(secrets, parsed, target, values, extra)) {
      return { state: 'invalid', reason: 'bad-signature' };
    }
    const nowSeconds = Math.floor(now() / 1000);
    const t = Number(parsed.t);
    if (t < nowSeconds - maxAge) return { state: 'invalid', reason: 'expired' };
    if (t > nowSeconds + skew) return { state: 'invalid', reason: 'from-the-future' };
    const replay = seen?.check(parsed.nonce, t, nowSeconds) ?? 'fresh';
    if (replay !== 'fresh') return { state: 'invalid', reason: replay };
    if (!values.id) return { state: 'anonymous' };
    const identity = {
      id: decodeHeaderValue(values.id),
      email: decodeHeaderValue(values.email),
      role: decodeHeaderValue(values.role),
    };
    if (identity.id === null || identity.email === null || identity.role === null) {
      return { state: 'invalid', reason: 'bad-encoding' };
    }
    const signed = new Map<string, string>();
    for (let i = 0; i < extra.length; i += 2) {
      const value = decodeHeaderValue(extra[i + 1]!);
      if (value === null) return { state: 'invalid', reason: 'bad-encoding' };
      signed.set(extra[i]!, value);
    }
    return { state: 'user', identity: identity as IdentityValues, headers: signed };
  };
}

function seconds(value: number, option: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${option} must be a finite number of seconds ≥ 0, got ${value}`);
  }
  return value;
}
