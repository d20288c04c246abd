// Session events as they travel between edges: only well-formed identifiers are applied, and the
// cache's pause (an edge that cannot hear the others) serves and keeps nothing until resumed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSessionCache, credentialKey } from '../../src/session/cache.ts';
import { applySessionEvent, parseSessionEvent } from '../../src/session-bus/events.ts';
import type { KratosSession } from '../../src/session/types.ts';

const session = (id: string, identityId: string) =>
  ({ id, active: true, identity: { id: identityId } }) as unknown as KratosSession;

function cacheWith(sessions: Record<string, KratosSession>) {
  let calls = 0;
  const cache = createSessionCache({
    whoami: (credential) => {
      calls++;
      return Promise.resolve(sessions[credential.value] ?? null);
    },
  });
  return { cache, calls: () => calls };
}

test('parseSessionEvent accepts the four kinds and refuses anything else without throwing', () => {
  const key = credentialKey({ kind: 'cookie', value: 'x' });
  assert.deepEqual(parseSessionEvent({ kind: 'identity', identityId: 'a-1' }), {
    kind: 'identity',
    identityId: 'a-1',
  });
  assert.deepEqual(parseSessionEvent({ kind: 'credential', key }), { kind: 'credential', key });
  assert.deepEqual(parseSessionEvent({ kind: 'all', extra: 1 }), { kind: 'all' });
  for (const bad of [
    null,
    'identity',
    [],
    { kind: 'identity' },
    { kind: 'identity', identityId: '' },
    { kind: 'identity', identityId: 'x'.repeat(201) },
    { kind: 'session', sessionId: 'a b' },
    { kind: 'credential', key: 'raw-token-value' },
    { kind: 'drop-table' },
  ]) {
    assert.equal(parseSessionEvent(bad), undefined, JSON.stringify(bad));
  }
});

test('applySessionEvent evicts by identity, session, credential key, or everything', async () => {
  const { cache } = cacheWith({
    t1: session('s1', 'i1'),
    t2: session('s2', 'i1'),
    t3: session('s3', 'i2'),
    t4: session('s4', 'i3'),
  });
  for (const value of ['t1', 't2', 't3', 't4']) await cache.lookup({ kind: 'cookie', value });
  applySessionEvent(cache, { kind: 'identity', identityId: 'i1' });
  assert.equal(cache.size, 2);
  applySessionEvent(cache, { kind: 'session', sessionId: 's3' });
  assert.equal(cache.size, 1);
  applySessionEvent(cache, {
    kind: 'credential',
    key: credentialKey({ kind: 'cookie', value: 't4' }),
  });
  assert.equal(cache.size, 0);
  await cache.lookup({ kind: 'cookie', value: 't1' });
  applySessionEvent(cache, { kind: 'all' });
  assert.equal(cache.size, 0);
});

test('a paused cache empties, asks Kratos every time, and caches again once resumed', async () => {
  const { cache, calls } = cacheWith({ t: session('s', 'i') });
  const credential = { kind: 'cookie', value: 't' } as const;
  await cache.lookup(credential);
  cache.pause();
  assert.equal(cache.size, 0);
  await cache.lookup(credential);
  await cache.lookup(credential);
  assert.equal(calls(), 3);
  assert.equal(cache.peek(credential), undefined);
  cache.resume();
  await cache.lookup(credential);
  await cache.lookup(credential);
  assert.equal(calls(), 4);
});
