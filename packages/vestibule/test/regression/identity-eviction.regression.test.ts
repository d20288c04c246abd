// Issue 13: when Kratos revokes an identity's other sessions (`revoke_active_sessions` after a
// completed recovery or a password change), the edge must not keep serving them from its session
// cache for the TTL. The proxy sees the submit pass and evicts every cached session of that identity
// at once, through an identity → keys index that stays consistent with the bounded LRU.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningEdge } from '../../src/edge/start-edge.ts';
import { createSessionCache } from '../../src/session/cache.ts';
import type { KratosSession } from '../../src/session/types.ts';
import { SECRET, startUpstream, type Upstream } from '../support/gateway-stack.ts';
import { startFakeKratos, type FakeKratos } from '../support/fake-kratos.ts';
import { startConfiguredEdge } from '../support/configured-edge.ts';

let kratos: FakeKratos;
let front: Server;
let upstream: Upstream;
let edge: RunningEdge;
/** What the Kratos stand-in does when a recovery or settings submit arrives. */
let onSubmit: (path: string) => { status: number; body: unknown; setCookie?: string };

before(async () => {
  kratos = await startFakeKratos();
  // Kratos's self-service submits in front of the fake whoami.
  front = createServer(async (req, res) => {
    if (req.method === 'POST' && req.url?.startsWith('/self-service/')) {
      for await (const _ of req);
      const answer = onSubmit(req.url);
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        ...(answer.setCookie ? { 'set-cookie': answer.setCookie } : {}),
      });
      return void res.end(JSON.stringify(answer.body));
    }
    const upstreamRes = await fetch(kratos.url + req.url, {
      headers: { cookie: req.headers.cookie ?? '' },
    });
    res.writeHead(upstreamRes.status, { 'content-type': 'application/json' });
    res.end(await upstreamRes.text());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  upstream = await startUpstream();
  edge = await startConfiguredEdge({
    kratos: { public_url: `http://127.0.0.1:${(front.address() as AddressInfo).port}` },
    gateway: {
      upstream_url: upstream.url,
      header_secret: SECRET,
      session_cache: { ttl: '10m' },
      rules: [{ path: '/**', mode: 'required' }],
    },
  });
});
after(async () => {
  await edge.close();
  await upstream.close();
  await new Promise<void>((resolve) => front.close(() => resolve()));
  await kratos.close();
});
beforeEach(() => void (kratos.whoamiCalls = 0));

function page(token: string) {
  return fetch(`${edge.url}/account`, {
    headers: { cookie: `ory_kratos_session=${token}`, accept: 'application/json' },
  }).then(async (res) => {
    await res.arrayBuffer();
    return res.status;
  });
}

/** Two sessions of one identity, both answered from the edge's cache afterwards. */
async function twoCachedSessions() {
  const a = kratos.addSession();
  const b = kratos.addSession({ identityId: a.session.identity.id });
  assert.equal(await page(a.token), 200);
  assert.equal(await page(b.token), 200);
  const calls = kratos.whoamiCalls;
  assert.equal(await page(a.token), 200);
  assert.equal(await page(b.token), 200);
  assert.equal(kratos.whoamiCalls, calls, 'both sessions are served from the cache');
  return { a, b };
}

test('a completed recovery through the proxy evicts every cached session of the identity', async () => {
  const { a, b } = await twoCachedSessions();
  const recovered = kratos.addSession({ identityId: a.session.identity.id });
  onSubmit = () => {
    // revoke_active_sessions: Kratos revokes the identity's other sessions as recovery completes.
    kratos.revoke(a.token);
    kratos.revoke(b.token);
    return {
      status: 200,
      setCookie: `ory_kratos_session=${recovered.token}; Path=/; HttpOnly; SameSite=Lax`,
      body: { state: 'passed_challenge', continue_with: [{ action: 'show_settings_ui' }] },
    };
  };
  const submit = await fetch(`${edge.url}/api/ory/self-service/recovery?flow=f1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ method: 'code', code: '123456' }),
  });
  assert.equal(submit.status, 200);
  await submit.arrayBuffer();
  const before = kratos.whoamiCalls;
  assert.equal(await page(a.token), 401, 'the old session is asked about again, and refused');
  assert.equal(await page(b.token), 401);
  assert.ok(kratos.whoamiCalls >= before + 2, 'the next requests went to Kratos');
});

test('a password change in settings evicts the identity’s other cached sessions', async () => {
  const { a, b } = await twoCachedSessions();
  onSubmit = () => {
    kratos.revoke(b.token);
    return { status: 200, body: { state: 'success', identity: { id: a.session.identity.id } } };
  };
  const submit = await fetch(`${edge.url}/api/ory/self-service/settings?flow=f2`, {
    method: 'POST',
    headers: {
      cookie: `ory_kratos_session=${a.token}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify({ method: 'password', password: 'a new long password' }),
  });
  assert.equal(submit.status, 200);
  await submit.arrayBuffer();
  assert.equal(await page(b.token), 401, 'the other session is not served from the cache');
  assert.equal(await page(a.token), 200, 'the caller’s own session stays valid');
});

function session(id: string, identityId: string): KratosSession {
  return {
    id,
    active: true,
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    identity: { id: identityId, schema_id: 'default', state: 'active', traits: {} },
  } as KratosSession;
}

test('the identity index follows the LRU: pushed-out and evicted entries leave it', async () => {
  const sessions = new Map([
    ['t1', session('s1', 'alice')],
    ['t2', session('s2', 'alice')],
    ['t3', session('s3', 'bob')],
  ]);
  const cache = createSessionCache({
    maxEntries: 2,
    whoami: async (credential) => sessions.get(credential.value) ?? null,
  });
  for (const value of ['t1', 't2', 't3']) await cache.lookup({ kind: 'cookie', value });
  assert.equal(cache.size, 2, 't1 was pushed out by the bound');
  assert.equal(cache.evictIdentity('alice'), 1, 'only the entry still cached counts');
  assert.equal(cache.evictIdentity('alice'), 0);
  assert.equal(cache.size, 1);
  await cache.lookup({ kind: 'cookie', value: 't1' });
  cache.evict({ kind: 'cookie', value: 't1' });
  assert.equal(cache.evictIdentity('alice'), 0, 'a single eviction leaves the index too');
  assert.equal(cache.evictIdentity('bob'), 1);
  assert.equal(cache.size, 0);
});
