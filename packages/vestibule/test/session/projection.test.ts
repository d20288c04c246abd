import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSessionProjection, MINIMAL_SESSION_PATHS } from '../../src/session/projection.ts';
import { createSessionCache } from '../../src/session/cache.ts';
import { userFromSession } from '../../src/session/user.ts';
import type { KratosSession } from '../../src/session/types.ts';

/** A whoami answer with the parts Kratos sends and the gateway never reads. */
function fullSession(overrides: Partial<KratosSession['identity']> = {}): KratosSession {
  return {
    id: 'session-1',
    active: true,
    expires_at: '2030-01-01T01:00:00Z',
    authenticated_at: '2030-01-01T00:00:00Z',
    authenticator_assurance_level: 'aal1',
    authentication_methods: [{ method: 'password', aal: 'aal1' }],
    issued_at: '2030-01-01T00:00:00Z',
    devices: [{ id: 'd1', ip_address: '10.0.0.1', user_agent: 'x' }],
    identity: {
      id: 'identity-1',
      schema_id: 'default',
      state: 'active',
      traits: { email: 'ada@example.com', phone: '+1555', org: { department: 'r&d', badge: 7 } },
      metadata_public: { role: 'admin', plan: 'gold' },
      verifiable_addresses: [{ value: 'ada@example.com', verified: true, via: 'email' }],
      recovery_addresses: [{ value: 'ada@example.com', via: 'email' }],
      ...overrides,
    },
  };
}

test('the minimal projection keeps what the gateway reads and nothing else', () => {
  const project = createSessionProjection([])!;
  const kept = project(fullSession());
  // expires_at is read by the cache from the whole answer (cache.test.ts), not kept in the copy.
  assert.deepEqual(kept, {
    id: 'session-1',
    identity: {
      id: 'identity-1',
      traits: { email: 'ada@example.com' },
      metadata_public: { role: 'admin' },
    },
  });
  // The User an upstream is told about is the same as from the whole session.
  assert.deepEqual(
    { ...userFromSession(kept), session: null, traits: null },
    { ...userFromSession(fullSession()), session: null, traits: null },
  );
  assert.ok(MINIMAL_SESSION_PATHS.includes('identity.metadata_public.role'));
});

test('a deep path is kept, with its siblings left out', () => {
  const kept = createSessionProjection(['identity.traits.org.department'])!(fullSession());
  assert.deepEqual(kept.identity.traits, { email: 'ada@example.com', org: { department: 'r&d' } });
});

test('a path naming an object or an array keeps the whole value there', () => {
  const kept = createSessionProjection(['identity.traits.org', 'authentication_methods'])!(
    fullSession(),
  );
  assert.deepEqual(kept.identity.traits.org, { department: 'r&d', badge: 7 });
  assert.deepEqual(kept.authentication_methods, [{ method: 'password', aal: 'aal1' }]);
});

test('the whole session (a bare .Extra) turns the projection off', () => {
  assert.equal(createSessionProjection(['identity.traits.email', '']), null);
});

test('without traits.email the User email comes from the one verifiable address kept', () => {
  const session = fullSession({
    traits: { username: 'ada' },
    verifiable_addresses: [
      { value: 'ada@example.com', verified: true, via: 'email', id: 'a1', status: 'completed' },
    ] as never,
  });
  const kept = createSessionProjection([])!(session);
  assert.deepEqual(kept.identity.verifiable_addresses, [
    { value: 'ada@example.com', via: 'email' },
  ]);
  assert.equal(userFromSession(kept).email, 'ada@example.com');
});

test('missing paths and odd shapes: nothing invented, traits stay an object, __proto__ ignored', () => {
  const project = createSessionProjection(['identity.traits.org.department', '__proto__.x'])!;
  const kept = project({ id: 's', active: true, identity: { id: 'i', traits: {} } });
  assert.deepEqual(kept, { id: 's', identity: { id: 'i', traits: {} } });
  assert.equal(Object.getPrototypeOf(kept), Object.prototype);
  const scalar = project(fullSession({ traits: { email: 'a@b.c', org: 'flat' } }));
  assert.equal(scalar.identity.traits.org, 'flat');
});

test('the cache returns the projection on a miss and on a hit, and evicts by identity and session', async () => {
  const whole = fullSession();
  const cache = createSessionCache({
    whoami: async () => structuredClone(whole),
    project: createSessionProjection([])!,
    now: () => Date.parse('2030-01-01T00:00:00Z'),
  });
  const credential = { kind: 'token', value: 't' } as const;
  const miss = await cache.lookup(credential);
  const hit = await cache.lookup(credential);
  assert.equal(cache.stats.whoamiCalls, 1);
  assert.deepEqual(miss, hit);
  assert.equal(hit!.devices, undefined);
  assert.equal(hit!.identity.traits.phone, undefined);
  assert.equal(cache.evictSession('session-1'), 1);
  await cache.lookup(credential);
  assert.equal(cache.evictIdentity('identity-1'), 1);
  assert.equal(cache.size, 0);
});

test('several sessions of one identity: evictIdentity takes them all, one eviction leaves the other', async () => {
  let n = 0;
  const cache = createSessionCache({
    whoami: async () => ({ ...fullSession(), id: `s${++n}` }),
    project: createSessionProjection([])!,
    now: () => Date.parse('2030-01-01T00:00:00Z'),
  });
  for (const value of ['a', 'b', 'c']) await cache.lookup({ kind: 'cookie', value });
  cache.evict({ kind: 'cookie', value: 'a' });
  assert.equal(cache.size, 2);
  assert.equal(cache.evictIdentity('identity-1'), 2);
  assert.equal(cache.size, 0);
  await cache.lookup({ kind: 'cookie', value: 'd' });
  cache.evict({ kind: 'cookie', value: 'd' });
  assert.equal(cache.evictIdentity('identity-1'), 0);
});

test('a projected entry (no expires_at in the copy) still never outlives the session', async () => {
  // fullSession() expires at 01:00; the TTL would keep it two hours.
  const clock = { now: Date.parse('2030-01-01T00:59:00Z') };
  const cache = createSessionCache({
    whoami: async () => fullSession(),
    project: createSessionProjection([])!,
    ttlMs: 2 * 3_600_000,
    now: () => clock.now,
  });
  const credential = { kind: 'cookie', value: 'c' } as const;
  assert.equal((await cache.lookup(credential))!.expires_at, undefined);
  clock.now = Date.parse('2030-01-01T00:59:59.999Z');
  assert.ok(cache.peek(credential), 'cached until the session expires');
  clock.now = Date.parse('2030-01-01T01:00:00Z');
  assert.equal(cache.peek(credential), undefined, 'gone when Kratos says the session ends');
  await cache.lookup(credential);
  assert.equal(cache.stats.whoamiCalls, 2);
});

test('copies are plain objects of the kept shape, whatever constructor made them', () => {
  const kept = createSessionProjection(['identity.traits.org.department'])!(fullSession());
  for (const value of [kept, kept.identity, kept.identity.traits, kept.identity.traits.org]) {
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.equal((value as object).constructor, Object);
  }
  assert.equal(
    JSON.stringify(kept.identity),
    '{"id":"identity-1","traits":{"email":"ada@example.com","org":{"department":"r&d"}},"metadata_public":{"role":"admin"}}',
  );
});

test('role and assurance level come through as they were, whatever their type or length', () => {
  const project = createSessionProjection(['authenticator_assurance_level'])!;
  const long = 'r'.repeat(65);
  for (const role of ['administrator', long, 42, { nested: true }, null, '']) {
    const kept = project(fullSession({ metadata_public: { role, plan: 'gold' } }));
    assert.deepEqual(kept.identity.metadata_public, { role });
  }
  const aal2 = project({ ...fullSession(), authenticator_assurance_level: 'aal2' });
  assert.equal(aal2.authenticator_assurance_level, 'aal2');
  // Many distinct roles (past the shared table's bound): each session still gets its own.
  for (let i = 0; i < 600; i++) {
    const role = `role-number-${i}`;
    const kept = project(fullSession({ metadata_public: { role } }));
    assert.equal(kept.identity.metadata_public?.role, role);
  }
});
