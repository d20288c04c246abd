// A logged-out or revoked session is refused on the very next request; single-flight through the
// gateway (N concurrent misses → 1 whoami).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RULES,
  json,
  startGatewayStack,
  withCookie,
  type Stack,
} from '../support/gateway-stack.ts';
import { until } from '../support/until.ts';

const REVOKE_SECRET = 'revocation-test-secret-0123456789abcdef';
let stack: Stack;
before(async () => {
  stack = await startGatewayStack({
    rules: RULES,
    cache: { ttlMs: 60_000 },
    revocation: { secret: REVOKE_SECRET },
  });
});
after(() => stack.close());

const get = (path: string, headers: Record<string, string>) =>
  fetch(stack.url + path, { headers, redirect: 'manual' });
const revoke = (body: unknown, secret = REVOKE_SECRET) =>
  fetch(stack.url + '/.vestibule/revoke', {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

test('cached sessions are served without asking Kratos again', async () => {
  const { token } = stack.kratos.addSession();
  await get('/account', withCookie(token));
  const calls = stack.kratos.whoamiCalls;
  for (let i = 0; i < 5; i++) assert.equal((await get('/account', withCookie(token))).status, 200);
  assert.equal(stack.kratos.whoamiCalls, calls);
});

test('logout seen by the proxy (onLogout) → the very next request is refused', async () => {
  const { token } = stack.kratos.addSession();
  assert.equal((await get('/account', withCookie(token, json))).status, 200);
  stack.kratos.revoke(token); // Kratos ends the session …
  assert.equal(
    (await get('/account', withCookie(token, json))).status,
    200,
    'still cached (TTL 60 s)',
  );
  await stack.gateway.onLogout(new Headers(withCookie(token))); // … and the proxy saw the logout
  assert.equal((await get('/account', withCookie(token, json))).status, 401);
});

test('revocation webhook by identity, by session id and by session token', async () => {
  const a = stack.kratos.addSession();
  const b = stack.kratos.addSession({ identityId: a.session.identity.id });
  const c = stack.kratos.addSession();
  const d = stack.kratos.addSession();
  for (const s of [a, b, c]) assert.equal((await get('/account', withCookie(s.token))).status, 200);
  assert.equal((await get('/account', { 'x-session-token': d.token })).status, 200);
  for (const s of [a, b, c, d]) stack.kratos.revoke(s.token);

  const byIdentity = await revoke({ identity_id: a.session.identity.id });
  assert.equal(byIdentity.status, 200);
  assert.deepEqual(await byIdentity.json(), { evicted: 2 });
  assert.equal((await get('/account', withCookie(a.token, json))).status, 401);
  assert.equal((await get('/account', withCookie(b.token, json))).status, 401);
  assert.equal((await get('/account', withCookie(c.token, json))).status, 200, 'others untouched');

  assert.deepEqual(await (await revoke({ session_id: c.session.id })).json(), { evicted: 1 });
  assert.equal((await get('/account', withCookie(c.token, json))).status, 401);

  assert.equal((await revoke({ session_token: d.token })).status, 200);
  assert.equal((await get('/account', { 'x-session-token': d.token, ...json })).status, 401);
});

test('the revocation endpoint refuses a wrong secret, bad bodies and other methods', async () => {
  assert.equal(
    (await revoke({ identity_id: 'x' }, 'wrong-secret-wrong-secret-wrong-secret')).status,
    401,
  );
  assert.equal((await revoke({})).status, 400);
  assert.equal((await revoke('not an object')).status, 400);
  const huge = await revoke({ identity_id: 'x'.repeat(10_000) });
  assert.equal(huge.status, 400);
  assert.equal((await fetch(stack.url + '/.vestibule/revoke')).status, 405);
});

test('single-flight: 20 concurrent first requests with one cookie make ONE whoami call', async () => {
  const { token } = stack.kratos.addSession();
  const calls = stack.kratos.whoamiCalls;
  const stats = stack.gateway.sessions.cache.stats;
  const missesBefore = stats.misses;
  // Kratos holds the first whoami until all 20 requests have missed the cache, so every one of
  // them is a concurrent miss (not a later cache hit) when the answer comes.
  const release = stack.kratos.hold();
  const pending = Array.from({ length: 20 }, () => get('/account', withCookie(token)));
  await stack.kratos.waitForPending(1);
  await until(() => stats.misses - missesBefore === 20);
  release();
  const results = await Promise.all(pending);
  assert.ok(results.every((r) => r.status === 200));
  assert.equal(stack.kratos.whoamiCalls - calls, 1);
});
