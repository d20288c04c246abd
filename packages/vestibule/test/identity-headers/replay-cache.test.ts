// The nonce replay cache at the rate the edge can sign: 20k signed requests/s for a whole validity
// window, on an injected clock, must remember every nonce until its signature expires and stay
// bounded in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createReplayCache, defaultMaxNonces } from '../../src/identity-headers/replay-cache.ts';

const RATE = 20_000;
const MAX_AGE = 30;
const SKEW = 5;

test('at 20k signed requests/s no nonce can be replayed inside its window, and memory stays bounded', () => {
  const cache = createReplayCache({ maxAge: MAX_AGE, maxNonces: defaultMaxNonces(MAX_AGE, SKEW) });
  const start = 1_900_000_000;
  // One nonce from every second, replayed later.
  const kept: Array<{ nonce: string; t: number }> = [];
  let peakBytes = 0;
  // Two windows' worth, so the first generations have to expire while traffic goes on.
  for (let second = 0; second < 2 * MAX_AGE; second++) {
    const now = start + second;
    for (let i = 0; i < RATE; i++) {
      const nonce = randomUUID();
      assert.equal(cache.check(nonce, now, now), 'fresh');
      if (i === RATE / 2) kept.push({ nonce, t: now });
    }
    peakBytes = Math.max(peakBytes, cache.bytes);
    // Every nonce signed within the window so far is still refused, none as a forgotten one.
    if (second % 10 === 9) {
      for (const { nonce, t } of kept) {
        if (t < now - MAX_AGE) continue;
        assert.equal(
          cache.check(nonce, t, now),
          'replayed',
          `nonce of ${t - start}s at ${second}s`,
        );
      }
    }
  }
  // Bounded: the window's generations only (31 seconds of 20k), not every nonce ever seen.
  assert.ok(cache.size <= RATE * (MAX_AGE + 1), `size ${cache.size}`);
  assert.ok(peakBytes <= 16 * 1024 * 1024, `peak ${peakBytes} bytes`);
});

test('a nonce is refused again on its last valid second and forgotten once its signature expired', () => {
  const cache = createReplayCache({ maxAge: MAX_AGE, maxNonces: 1_000 });
  const t = 1_900_000_000;
  assert.equal(cache.check('nonce-aaaaaaaa', t, t), 'fresh');
  assert.equal(cache.check('nonce-aaaaaaaa', t, t + MAX_AGE), 'replayed');
  assert.equal(cache.size, 1);
  // Past the window the verifier answers `expired` before asking; the generation is gone.
  cache.check('nonce-bbbbbbbb', t + MAX_AGE + 1, t + MAX_AGE + 1);
  assert.equal(cache.size, 1);
});

test('over its size the cache forgets the oldest second and refuses signatures that old', () => {
  const cache = createReplayCache({ maxAge: MAX_AGE, maxNonces: 3 });
  const t = 1_900_000_000;
  for (const n of ['n-0000001', 'n-0000002']) assert.equal(cache.check(n, t, t + 2), 'fresh');
  assert.equal(cache.check('n-0000003', t + 1, t + 2), 'fresh');
  assert.equal(cache.check('n-0000004', t + 2, t + 2), 'fresh');
  assert.equal(cache.check('n-0000001', t, t + 2), 'replay-window');
  assert.equal(cache.check('n-0000005', t, t + 2), 'replay-window');
  assert.equal(cache.check('n-0000004', t + 2, t + 2), 'replayed');
  assert.ok(cache.size <= 3);
});
