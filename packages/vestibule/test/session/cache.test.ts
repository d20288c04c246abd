import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSessionCache, credentialKey } from '../../src/session/cache.ts';
import { KratosUnavailable } from '../../src/lib/errors.ts';
import type { KratosSession, SessionCredential } from '../../src/session/types.ts';

const T0 = Date.parse('2030-01-01T00:00:00Z');

function makeSession(id: string, identityId: string, expiresInMs = 3_600_000): KratosSession {
  return {
    id,
    active: true,
    expires_at: new Date(T0 + expiresInMs).toISOString(),
    identity: { id: identityId, traits: {} },
  };
}

function setup(
  answers: Map<string, KratosSession | null>,
  opts: { ttlMs?: number; negativeTtlMs?: number; maxEntries?: number } = {},
) {
  const clock = { now: T0 };
  let calls = 0;
  const pending: Array<() => void> = [];
  let hold = false;
  const cache = createSessionCache({
    ...opts,
    now: () => clock.now,
    whoami: async (credential) => {
      calls++;
      if (hold) await new Promise<void>((resolve) => pending.push(resolve));
      const answer = answers.get(credential.value);
      if (answer === undefined) throw new KratosUnavailable('down');
      return answer;
    },
  });
  return {
    cache,
    clock,
    calls: () => calls,
    hold: (on: boolean) => (hold = on),
    release: () => pending.splice(0).forEach((r) => r()),
  };
}

const cookie = (value: string): SessionCredential => ({ kind: 'cookie', value });

test('a validated session is served from the cache until the TTL passes (fake clock)', async () => {
  const t = setup(new Map([['a', makeSession('s1', 'i1')]]), { ttlMs: 10_000 });
  assert.equal((await t.cache.lookup(cookie('a')))?.id, 's1');
  t.clock.now += 9_999;
  await t.cache.lookup(cookie('a'));
  assert.equal(t.calls(), 1);
  t.clock.now += 1;
  await t.cache.lookup(cookie('a'));
  assert.equal(t.calls(), 2);
});

test('an entry never outlives the session expires_at, even with a longer TTL', async () => {
  const t = setup(new Map([['a', makeSession('s1', 'i1', 3_000)]]), { ttlMs: 60_000 });
  await t.cache.lookup(cookie('a'));
  t.clock.now += 2_999;
  await t.cache.lookup(cookie('a'));
  assert.equal(t.calls(), 1);
  t.clock.now += 1;
  await t.cache.lookup(cookie('a'));
  assert.equal(t.calls(), 2);
});

test('an already expired session is returned once but never cached', async () => {
  const t = setup(new Map([['a', makeSession('s1', 'i1', -1)]]));
  await t.cache.lookup(cookie('a'));
  await t.cache.lookup(cookie('a'));
  assert.equal(t.calls(), 2);
  assert.equal(t.cache.size, 0);
});

test('negative results are cached briefly (negativeTtlMs) and can be disabled', async () => {
  const t = setup(new Map([['bad', null]]), { negativeTtlMs: 1_000 });
  assert.equal(await t.cache.lookup(cookie('bad')), null);
  assert.equal(await t.cache.lookup(cookie('bad')), null);
  assert.equal(t.calls(), 1);
  t.clock.now += 1_000;
  await t.cache.lookup(cookie('bad'));
  assert.equal(t.calls(), 2);
  const off = setup(new Map([['bad', null]]), { negativeTtlMs: 0 });
  await off.cache.lookup(cookie('bad'));
  await off.cache.lookup(cookie('bad'));
  assert.equal(off.calls(), 2);
});

test('errors are never cached: the next request asks Kratos again (recovery without restart)', async () => {
  const answers = new Map<string, KratosSession | null>();
  const t = setup(answers);
  await assert.rejects(t.cache.lookup(cookie('a')), KratosUnavailable);
  answers.set('a', makeSession('s1', 'i1'));
  assert.equal((await t.cache.lookup(cookie('a')))?.id, 's1');
  assert.equal(t.calls(), 2);
});

test('single-flight: 50 concurrent misses for one credential make ONE whoami call', async () => {
  const t = setup(new Map([['a', makeSession('s1', 'i1')]]));
  t.hold(true);
  const lookups = Array.from({ length: 50 }, () => t.cache.lookup(cookie('a')));
  await new Promise((r) => setImmediate(r));
  t.release();
  const results = await Promise.all(lookups);
  assert.equal(t.calls(), 1);
  assert.ok(results.every((s) => s?.id === 's1'));
  assert.equal(t.cache.stats.whoamiCalls, 1);
});

test('single-flight shares failures too, and the next lookup retries', async () => {
  const t = setup(new Map());
  t.hold(true);
  const lookups = Array.from({ length: 5 }, () => t.cache.lookup(cookie('a')));
  await new Promise((r) => setImmediate(r));
  t.release();
  const settled = await Promise.allSettled(lookups);
  assert.ok(settled.every((s) => s.status === 'rejected'));
  assert.equal(t.calls(), 1);
  t.hold(false);
  await assert.rejects(t.cache.lookup(cookie('a')));
  assert.equal(t.calls(), 2);
});

test('evict(credential) makes the very next lookup ask Kratos', async () => {
  const t = setup(new Map([['a', makeSession('s1', 'i1')]]));
  await t.cache.lookup(cookie('a'));
  t.cache.evict(cookie('a'));
  await t.cache.lookup(cookie('a'));
  assert.equal(t.calls(), 2);
});

test('evictIdentity and evictSession remove every matching entry and nothing else', async () => {
  const t = setup(
    new Map([
      ['a', makeSession('s1', 'alice')],
      ['b', makeSession('s2', 'alice')],
      ['c', makeSession('s3', 'bob')],
    ]),
  );
  for (const v of ['a', 'b', 'c']) await t.cache.lookup(cookie(v));
  assert.equal(t.cache.evictIdentity('alice'), 2);
  assert.equal(t.cache.size, 1);
  assert.equal(t.cache.evictSession('s3'), 1);
  assert.equal(t.cache.size, 0);
});

test('a lookup in flight during an eviction is not cached (logout racing a whoami)', async () => {
  const t = setup(new Map([['a', makeSession('s1', 'i1')]]));
  t.hold(true);
  const racing = t.cache.lookup(cookie('a'));
  await new Promise((r) => setImmediate(r));
  t.cache.evict(cookie('a'));
  const after = t.cache.lookup(cookie('a')); // must not join the stale flight
  await new Promise((r) => setImmediate(r));
  t.release();
  await Promise.all([racing, after]);
  assert.equal(t.calls(), 2);
  t.hold(false);
  t.cache.evictIdentity('i1');
  await t.cache.lookup(cookie('a'));
  assert.equal(t.calls(), 3);
});

test('the cache is bounded (LRU) and keyed by a hash, never the raw credential', async () => {
  const answers = new Map<string, KratosSession | null>();
  for (let i = 0; i < 20; i++) answers.set(`secret-${i}`, makeSession(`s${i}`, `i${i}`));
  const t = setup(answers, { maxEntries: 5 });
  for (let i = 0; i < 20; i++) await t.cache.lookup(cookie(`secret-${i}`));
  assert.equal(t.cache.size, 5);
  const key = credentialKey(cookie('secret-1'));
  assert.ok(!key.includes('secret'));
  assert.equal(key, credentialKey(cookie('secret-1')));
  assert.notEqual(key, credentialKey({ kind: 'token', value: 'secret-1' }));
});

test('invalid options are caller bugs (TypeError naming the option)', () => {
  assert.throws(() => createSessionCache({ whoami: async () => null, ttlMs: 0 }), /ttlMs/);
  assert.throws(
    () => createSessionCache({ whoami: async () => null, maxEntries: -1 }),
    /maxEntries/,
  );
});

test('peek answers from the cache without calling Kratos: session, remembered null, or undefined', async () => {
  const t = setup(
    new Map([
      ['a', makeSession('s1', 'i1')],
      ['bad', null],
    ]),
    {
      ttlMs: 10_000,
    },
  );
  assert.equal(t.cache.peek(cookie('a')), undefined, 'unknown until Kratos answered');
  await t.cache.lookup(cookie('a'));
  await t.cache.lookup(cookie('bad'));
  assert.equal(t.cache.peek(cookie('a'))?.id, 's1');
  assert.equal(t.cache.peek(cookie('bad')), null);
  assert.equal(t.calls(), 2);
  t.clock.now += 10_001;
  assert.equal(t.cache.peek(cookie('a')), undefined, 'expired entries are not served');
  await t.cache.lookup(cookie('a'));
  t.cache.evictIdentity('i1');
  assert.equal(t.cache.peek(cookie('a')), undefined, 'evicted entries are not served');
});

test('a whoami handing out one object for two credentials: each entry keeps its own expiry', async () => {
  // The expiry is kept on the cached object (no wrapper per entry): caching the same object again
  // must not move the first entry's expiry to the second's.
  const shared = makeSession('s1', 'i1');
  const t = setup(
    new Map([
      ['a', shared],
      ['b', shared],
    ]),
    { ttlMs: 10_000 },
  );
  await t.cache.lookup(cookie('a'));
  t.clock.now += 5_000;
  await t.cache.lookup(cookie('b'));
  t.clock.now += 5_000;
  assert.equal(t.cache.peek(cookie('a')), undefined, "a's TTL passed: not served");
  assert.equal(t.cache.peek(cookie('b'))?.id, 's1');
  t.clock.now += 5_000;
  assert.equal(t.cache.peek(cookie('b')), undefined);
  // Cached again after it expired: the new entry has the new expiry.
  await t.cache.lookup(cookie('a'));
  assert.equal(t.calls(), 3);
  t.clock.now += 9_999;
  assert.equal(t.cache.peek(cookie('a'))?.id, 's1');
});

test('a frozen whoami answer is cached too, and a cached session shows readers nothing extra', async () => {
  const session = Object.freeze(makeSession('s1', 'i1'));
  const t = setup(new Map([['a', session]]));
  assert.deepStrictEqual(await t.cache.lookup(cookie('a')), session);
  const hit = t.cache.peek(cookie('a'));
  assert.deepStrictEqual(hit, session);
  assert.deepStrictEqual(Object.keys(hit!), Object.keys(session));
  for (const symbol of Object.getOwnPropertySymbols(hit!)) {
    assert.equal(Object.getOwnPropertyDescriptor(hit, symbol)?.enumerable, false);
  }
  assert.equal(JSON.stringify(hit), JSON.stringify(session));
  assert.deepStrictEqual({ ...hit }, { ...session });
  assert.equal(t.calls(), 1);
});

test('evictKey takes the key other edges send (credentialKey); anything else evicts nothing', async () => {
  const t = setup(new Map([['a', makeSession('s1', 'i1')]]));
  await t.cache.lookup(cookie('a'));
  for (const junk of ['', 'x', 'é', credentialKey(cookie('b')), credentialKey(cookie('a')) + 'A']) {
    t.cache.evictKey(junk);
  }
  assert.equal(t.cache.size, 1);
  t.cache.evictKey(credentialKey(cookie('a')));
  assert.equal(t.cache.size, 0);
  assert.equal(t.cache.stats.evictions.revoked, 1);
});
