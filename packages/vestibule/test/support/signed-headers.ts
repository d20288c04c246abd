// Identity headers signed as the edge signs them, at a fixed time, and a verifier on a settable clock:
// shared by the signature tests and the regression tests for the verifier's fixes.
import { encodeIdentity, signIdentityHeaders } from '../../src/identity-headers/sign.ts';
import { createHeaderVerifier } from '../../src/identity-headers/verify.ts';

export const SECRET = 'a-test-secret-that-is-long-enough-000';
export const OTHER = 'another-test-secret-that-is-long-enough';
export const T0 = Date.parse('2030-01-01T00:00:00Z');
export const target = { method: 'GET', path: '/account?tab=1' };
export const alice = {
  id: '6f1c0c3e-0000-4000-8000-000000000001',
  email: 'alice@example.com',
  role: 'admin',
};

export function signed(
  overrides: {
    secret?: string;
    at?: number;
    values?: typeof alice | null;
    tgt?: typeof target;
  } = {},
) {
  const values = overrides.values === undefined ? alice : overrides.values;
  const pairs = signIdentityHeaders(
    overrides.secret ?? SECRET,
    overrides.tgt ?? target,
    values ? encodeIdentity(values) : null,
    overrides.at ?? T0,
  );
  return new Headers(pairs);
}

export function verifier(
  opts: { now?: number; replayProtection?: boolean; secret?: string | string[] } = {},
) {
  const clock = { now: opts.now ?? T0 };
  const verify = createHeaderVerifier({
    secret: opts.secret ?? SECRET,
    now: () => clock.now,
    replayProtection: opts.replayProtection,
  });
  return { verify, clock };
}
