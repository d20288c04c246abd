// Replay through a full nonce cache: above ~3.3k signed requests/s per instance the verifier evicted
// nonces still inside their window, so a captured signature could be replayed once its nonce was
// forgotten. Fixed in a34147a: signatures as old as an evicted nonce are refused (replay-window).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHeaderVerifier } from '../../src/identity-headers/verify.ts';
import { SECRET, T0, signed, target } from '../support/signed-headers.ts';

test('a full nonce cache never lets a replay through: signatures as old as a forgotten nonce are refused', () => {
  const clock = { now: T0 };
  const verify = createHeaderVerifier({
    secret: SECRET,
    now: () => clock.now,
    maxRememberedNonces: 2,
  });
  const first = signed({ at: T0 });
  const second = signed({ at: T0 + 1_000 });
  const third = signed({ at: T0 + 2_000 });
  clock.now = T0 + 2_000;
  for (const headers of [first, second, third]) assert.equal(verify(headers, target).state, 'user');
  // `first`'s nonce was evicted within its 30 s window: replaying it must still fail.
  assert.deepEqual(verify(first, target), { state: 'invalid', reason: 'replay-window' });
  // Newer signatures are unaffected, and real replays are still caught as such.
  assert.deepEqual(verify(third, target), { state: 'invalid', reason: 'replayed' });
  assert.equal(verify(signed({ at: T0 + 2_000 }), target).state, 'user');
});
