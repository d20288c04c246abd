// The introspection client and its cache against a stand-in for Hydra's admin API (fetch) and an
// injected clock: what is cached, for how long, and what fails closed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createAccessTokenIntrospection,
  hydraAccessTokenOf,
  type AccessTokenIntrospectionOptions,
} from '../../src/access-token/introspection.ts';
import { VestibuleError } from '../../src/lib/errors.ts';

const ADMIN = 'http://hydra-admin.test:4445/';
const T0 = 1_800_000_000_000;

interface Call {
  url: string;
  method: string;
  contentType: string | null;
  token: string | null;
}

/** A stand-in introspection endpoint: `answer(token)` is the JSON body (or a Response). */
function standIn(answer: (token: string) => unknown) {
  const calls: Call[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const token = new URLSearchParams(String(init?.body)).get('token');
    calls.push({
      url: String(input),
      method: init?.method ?? 'GET',
      contentType: new Headers(init?.headers).get('content-type'),
      token,
    });
    const body = answer(token ?? '');
    return body instanceof Response ? body : Response.json(body);
  };
  return { calls, fetch };
}

function active(extra: Record<string, unknown> = {}) {
  return {
    active: true,
    sub: 'identity-1',
    client_id: 'client-1',
    scope: 'openid notes.read',
    exp: (T0 + 3_600_000) / 1000,
    token_use: 'access_token',
    ...extra,
  };
}

function setup(
  answer: (token: string) => unknown,
  options: Partial<AccessTokenIntrospectionOptions> = {},
) {
  let now = T0;
  const hydra = standIn(answer);
  const introspection = createAccessTokenIntrospection({
    hydraAdminURL: ADMIN,
    fetch: hydra.fetch,
    now: () => now,
    ttlMs: 10_000,
    negativeTtlMs: 1_000,
    ...options,
  });
  return { introspection, calls: hydra.calls, advance: (ms: number) => (now += ms) };
}

describe('hydraAccessTokenOf', () => {
  test('reads only Hydra access tokens from a Bearer header', () => {
    assert.equal(hydraAccessTokenOf('Bearer ory_at_abc.def'), 'ory_at_abc.def');
    assert.equal(hydraAccessTokenOf('bearer   ory_at_abcdefgh '), 'ory_at_abcdefgh');
    assert.equal(hydraAccessTokenOf('Bearer ory_st_abcdefgh'), null);
    assert.equal(hydraAccessTokenOf('Bearer ory_rt_abcdefgh'), null);
    assert.equal(hydraAccessTokenOf('Basic b3J5X2F0X2FiYw=='), null);
    assert.equal(hydraAccessTokenOf('Bearer ory_at_a ory_at_b'), null);
    assert.equal(hydraAccessTokenOf(null), null);
  });
});

describe('access token introspection', () => {
  test("asks Hydra's admin introspection endpoint with the token as a form", async () => {
    const { introspection, calls } = setup(() => active());
    const grant = await introspection.lookup('ory_at_one');
    assert.deepEqual(grant, {
      subject: 'identity-1',
      scopes: ['openid', 'notes.read'],
      clientId: 'client-1',
      expiresAt: T0 + 3_600_000,
    });
    assert.deepEqual(calls, [
      {
        url: 'http://hydra-admin.test:4445/admin/oauth2/introspect',
        method: 'POST',
        contentType: 'application/x-www-form-urlencoded',
        token: 'ory_at_one',
      },
    ]);
  });

  test('an active token is cached for the ttl, then Hydra is asked again', async () => {
    const { introspection, calls, advance } = setup(() => active());
    await introspection.lookup('ory_at_one');
    advance(9_999);
    assert.equal(introspection.peek('ory_at_one')?.subject, 'identity-1');
    await introspection.lookup('ory_at_one');
    assert.equal(calls.length, 1);
    advance(2);
    assert.equal(introspection.peek('ory_at_one'), undefined);
    await introspection.lookup('ory_at_one');
    assert.equal(calls.length, 2);
  });

  test('a cached token is never trusted past its exp, even inside the ttl', async () => {
    const { introspection, advance } = setup(() => active({ exp: (T0 + 3_000) / 1000 }));
    await introspection.lookup('ory_at_one');
    advance(2_999);
    assert.notEqual(introspection.peek('ory_at_one'), undefined);
    advance(1);
    assert.equal(introspection.peek('ory_at_one'), undefined);
  });

  test('inactive is remembered only briefly', async () => {
    const { introspection, calls, advance } = setup(() => ({ active: false }));
    assert.equal(await introspection.lookup('ory_at_dead'), null);
    assert.equal(introspection.peek('ory_at_dead'), null);
    advance(1_001);
    assert.equal(introspection.peek('ory_at_dead'), undefined);
    assert.equal(await introspection.lookup('ory_at_dead'), null);
    assert.equal(calls.length, 2);
  });

  test('what is not an unexpired access token with a subject is inactive', async () => {
    const answers: Record<string, unknown> = {
      ory_at_refresh: active({ token_use: 'refresh_token' }),
      ory_at_nosub: active({ sub: '' }),
      ory_at_noexp: active({ exp: undefined }),
      ory_at_expired: active({ exp: T0 / 1000 }),
    };
    const { introspection } = setup((token) => answers[token]);
    for (const token of Object.keys(answers)) {
      assert.equal(await introspection.lookup(token), null, token);
    }
  });

  test('Hydra failing or answering nonsense throws HYDRA_UNAVAILABLE and caches nothing', async () => {
    let answer: unknown = new Response('oops', { status: 500 });
    const { introspection, calls } = setup(() => answer);
    await assert.rejects(introspection.lookup('ory_at_one'), (err: unknown) => {
      assert.ok(err instanceof VestibuleError);
      assert.equal(err.code, 'HYDRA_UNAVAILABLE');
      return true;
    });
    answer = { active: 'yes' };
    await assert.rejects(introspection.lookup('ory_at_one'), VestibuleError);
    answer = new Response('not json', { status: 200 });
    await assert.rejects(introspection.lookup('ory_at_one'), VestibuleError);
    assert.equal(introspection.peek('ory_at_one'), undefined);
    assert.equal(calls.length, 3);
  });

  test('Hydra unreachable throws (the gateway fails closed on it)', async () => {
    const introspection = createAccessTokenIntrospection({
      hydraAdminURL: ADMIN,
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    await assert.rejects(introspection.lookup('ory_at_one'), /unreachable/);
  });

  test('concurrent misses for one token share one introspection call', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const calls: string[] = [];
    const introspection = createAccessTokenIntrospection({
      hydraAdminURL: ADMIN,
      now: () => T0,
      fetch: async (_input, init) => {
        calls.push(String(init?.body));
        await gate;
        return Response.json(active());
      },
    });
    const all = Promise.all([1, 2, 3].map(() => introspection.lookup('ory_at_one')));
    release();
    const grants = await all;
    assert.equal(calls.length, 1);
    assert.ok(grants.every((g) => g?.subject === 'identity-1'));
  });

  test('evict() forgets a cached grant and one still in flight', async () => {
    let release!: () => void;
    let gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const introspection = createAccessTokenIntrospection({
      hydraAdminURL: ADMIN,
      now: () => T0,
      fetch: async () => {
        calls++;
        await gate;
        return Response.json(active());
      },
    });
    const flying = introspection.lookup('ory_at_one');
    introspection.evict('ory_at_one');
    release();
    await flying;
    assert.equal(introspection.peek('ory_at_one'), undefined, 'evicted in flight: not cached');
    await introspection.lookup('ory_at_one');
    introspection.evict('ory_at_one');
    assert.equal(introspection.peek('ory_at_one'), undefined);
    gate = Promise.resolve();
    assert.equal(calls, 2);
  });

  test('the cache is bounded', async () => {
    const { introspection } = setup(() => active(), { maxEntries: 2 });
    for (const token of ['ory_at_a', 'ory_at_b', 'ory_at_c']) await introspection.lookup(token);
    assert.equal(introspection.peek('ory_at_a'), undefined);
    assert.notEqual(introspection.peek('ory_at_c'), undefined);
  });

  test('bad options are refused at creation', () => {
    assert.throws(() => createAccessTokenIntrospection({ hydraAdminURL: 'hydra' }), /absolute URL/);
    assert.throws(
      () => createAccessTokenIntrospection({ hydraAdminURL: ADMIN, ttlMs: Number.NaN }),
      /ttlMs/,
    );
  });
});
